"""Tables of the sync transport (team, devices, bundle log). Filled in by the sync issue."""
