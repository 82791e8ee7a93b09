"""Comparing models side by side: the chooser, the view with its columns, and the session that
streams each column."""
