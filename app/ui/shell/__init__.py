"""The window's frame and what every feature shares: the application and event loop (app),
MainWindow (lays out the features and wires their controllers), the theme, the crash and startup
error dialogs, toasts, small shared widgets (buttons, switch, notice line, elided label, popup
frame, logo), the task keeper, the main-thread garbage collector, window state and PySide6
workarounds. Any feature package may import from here; shell imports features only to compose
the window."""
