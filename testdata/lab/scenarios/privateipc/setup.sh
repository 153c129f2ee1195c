# The segment the worker expects, created outside the unit (key 0x4a11).
python3 -c 'import ctypes; l=ctypes.CDLL(None); print(l.shmget(0x4a11, 4096, 0o1666))'
