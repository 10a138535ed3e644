"""search: the four queries run as parallel branches against the run's paper source."""
