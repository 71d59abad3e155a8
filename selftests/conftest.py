pytest_plugins = ["pytester", "lab_fixture"]
