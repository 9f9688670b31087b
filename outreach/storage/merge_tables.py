"""Tables of merge review (conflicts, duplicate people, person merges). Filled in by the sync issue."""
