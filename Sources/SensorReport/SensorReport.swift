/// SensorReport: see the README's module table.
