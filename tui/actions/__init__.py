"""What the dashboard's keys do (the keys themselves are data in tui/keymap.py): which actions
apply where, the actions on the selected instance, and the filter and sort input."""
