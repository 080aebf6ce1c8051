"""The audit log: logins, imports, exports and changes to results and accounts."""
