"""Data sets, generators and DataModules; every data set is described by one manifest table."""
