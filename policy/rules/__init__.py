"""The ITDD rules, one module per section of policy-spec §5; each rule carries its id."""
