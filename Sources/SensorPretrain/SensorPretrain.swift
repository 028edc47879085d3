import SensorNN
