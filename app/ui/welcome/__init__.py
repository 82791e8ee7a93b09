"""The first-run screen: the suggested model for this computer, downloaded in one click with its
progress shown in place."""
