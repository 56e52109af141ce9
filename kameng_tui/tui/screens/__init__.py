"""Screens: the order tracker and its dialogs."""
