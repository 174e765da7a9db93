"""Loading the company's data from its accounting system: CSV (1C exports) and XLSX."""
