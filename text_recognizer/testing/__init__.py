"""Quality tooling shared by the test suite and users: hypothesis strategies, goldens, suites."""
