"""Coverage-guided fuzzing of the parsers (atheris): run `python -m fuzz.run` from the checkout."""
