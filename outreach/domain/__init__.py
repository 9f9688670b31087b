"""Domain core: enums, validation rules, clocks, search keys, assessment engine. No Qt, no SQL."""
