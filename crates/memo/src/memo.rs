//! [`Memo`]: a bounded map from a key to what a plugin derives from it (a schema parsed from its
//! text, a transformation's updated schema), so that work done for the first record of a kind is
//! not done again for every record, as Apache's converters and transformations keep theirs.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Mutex;

use kconnect_api::Result;

/// A bounded map from key to value. The key of the previous lookup is compared first, which spares
/// hashing when records keep coming with the same key; when full the memo starts again empty.
pub struct Memo<K, V> {
    capacity: usize,
    state: Mutex<State<K, V>>,
}

struct State<K, V> {
    last: Option<(K, V)>,
    entries: HashMap<K, V>,
}

impl<K: Hash + Eq + Clone, V: Clone> Memo<K, V> {
    /// A memo of at most `capacity` entries; 0 remembers only the previous lookup.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::new(State {
                last: None,
                entries: HashMap::new(),
            }),
        }
    }

    /// The value for `key`: remembered, or made by `make` and remembered unless it failed.
    pub fn get_or_try_insert<Q>(&self, key: &Q, make: impl FnOnce(&Q) -> Result<V>) -> Result<V>
    where
        K: Borrow<Q> + for<'q> From<&'q Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((last, value)) = &state.last
            && last.borrow() == key
        {
            return Ok(value.clone());
        }
        let (key, value) = match state.entries.get_key_value(key) {
            Some((key, value)) => (key.clone(), value.clone()),
            None => {
                let value = make(key)?;
                let key = K::from(key);
                if self.capacity > 0 {
                    if state.entries.len() >= self.capacity {
                        state.entries.clear();
                    }
                    state.entries.insert(key.clone(), value.clone());
                }
                (key, value)
            }
        };
        state.last = Some((key, value.clone()));
        Ok(value)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Clone for Memo<K, V> {
    /// An empty memo of the same capacity: what it remembers is not part of its value.
    fn clone(&self) -> Self {
        Self::new(self.capacity)
    }
}

impl<K, V> fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memo")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::sync::Arc;

    use super::*;
    use kconnect_api::ConnectError;

    #[test]
    fn makes_once_per_key_and_forgets_failures() {
        let memo: Memo<Arc<str>, usize> = Memo::new(4);
        let made = Cell::new(0);
        let make = |text: &str| {
            made.set(made.get() + 1);
            Ok(text.len())
        };
        for text in ["a", "a", "bb", "a", "bb"] {
            assert_eq!(memo.get_or_try_insert(text, make).unwrap(), text.len());
        }
        assert_eq!(made.get(), 2);
        let failed = memo.get_or_try_insert("ccc", |_| Err(ConnectError::data("no")));
        assert!(failed.is_err());
        assert_eq!(memo.get_or_try_insert("ccc", make).unwrap(), 3);
    }

    #[test]
    fn a_full_memo_starts_again() {
        let memo: Memo<Arc<str>, u8> = Memo::new(1);
        assert_eq!(memo.get_or_try_insert("a", |_| Ok(1)).unwrap(), 1);
        assert_eq!(memo.get_or_try_insert("b", |_| Ok(2)).unwrap(), 2);
        assert_eq!(
            memo.get_or_try_insert("a", |_| Ok(3)).unwrap(),
            3,
            "evicted when b came"
        );
    }
}
