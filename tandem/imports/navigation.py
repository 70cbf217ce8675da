NAV = [(80, "import_list", "Imports", "import.run")]
