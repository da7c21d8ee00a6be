// Package names holds the pure text rules for the names people give
// things in Circly — nicknames and circle names: how a nickname is
// normalised and which characters it may not contain (NormalizeNickname),
// the look-alike key under which two names that read the same are the
// same name (Key, UTS #39 confusable skeleton with case folding), and how
// a blocked word is found inside a name (Blocklist).
//
// It is a leaf: no database, no PocketBase. The domains (circles, …) load
// what they need — the blocked words, the stored keys — and ask it.
package names
