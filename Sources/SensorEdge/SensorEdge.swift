/// SensorEdge: see the README's module table.
