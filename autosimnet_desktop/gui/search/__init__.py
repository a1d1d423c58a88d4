"""Searching: what a query is made from, the query panel, the result grid and what can be done with a result."""
