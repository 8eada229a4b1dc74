package keyring

// CacheLen is the number of unwrapped data keys k holds.
func CacheLen(k *Keyring) int { return k.cacheLen() }
