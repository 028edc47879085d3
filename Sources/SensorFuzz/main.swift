// Fuzz driver: feeds mutated inputs to the project's readers (see Scripts/fuzz.sh).
print("sensorfm-fuzz: no targets yet")
