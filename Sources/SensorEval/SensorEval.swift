/// SensorEval: see the README's module table.
