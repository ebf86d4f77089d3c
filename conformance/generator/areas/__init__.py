"""One module per area of the suite, each declaring the recipes of the cases
in the directory of conformance/cases/ of the same name."""
