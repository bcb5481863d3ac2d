"""Input and output schemas of the mini-program API, one module per resource."""
