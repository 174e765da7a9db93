"""Accounts, meters, readings, imports, exports, code words and binding approvals."""
