"""How a commit by another process reaches the screen: the change source that notices it, the
live feed that loads and applies the overview, and the detail follower that keeps the selected
instance's panes (and the hidden instance screen) up to date."""
