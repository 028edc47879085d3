/// The safetensors file format: an 8-byte little-endian header length, a JSON header, then raw data.
public enum SafeTensorsFormat {}
