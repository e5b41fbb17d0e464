//! Sessions (in memory: a restart logs everyone out), CSRF tokens and the login
//! rate limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};

use crate::office::users::Role;

/// The session cookie's name.
pub const COOKIE: &str = "anjuan_desk";
/// The cookie that carries the login form's token before there is a session.
pub const LOGIN_COOKIE: &str = "anjuan_login";
/// Failures that close the door for the rest of the window.
pub const MAX_FAILURES: usize = 5;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// 256 random bits from the operating system, in hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Equality that takes the same time wherever the texts differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One signed-in account.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub user: String,
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
    last_seen: Instant,
}

/// The signed-in accounts, by session id.
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    idle: Duration,
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session for `user` (idle sessions of anyone are dropped on the way).
    pub fn start(&self, user: &str, role: Role) -> Session {
        let s = Session {
            id: token(),
            user: user.to_string(),
            role,
            csrf: token(),
            last_seen: Instant::now(),
        };
        let mut m = self.lock();
        let idle = self.idle;
        m.retain(|_, v| v.last_seen.elapsed() < idle);
        m.insert(s.id.clone(), s.clone());
        s
    }

    /// The live session with this id, its idle clock restarted; `Err(true)` when
    /// it had been idle too long (and is gone now), `Err(false)` when unknown.
    pub fn touch(&self, id: &str) -> Result<Session, bool> {
        let mut m = self.lock();
        let Some(s) = m.get_mut(id) else {
            return Err(false);
        };
        if s.last_seen.elapsed() >= self.idle {
            m.remove(id);
            return Err(true);
        }
        s.last_seen = Instant::now();
        Ok(s.clone())
    }

    pub fn end(&self, id: &str) -> Option<Session> {
        self.lock().remove(id)
    }
}

/// Failed logins, by account and by client address.
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    /// Keys whose block was already reported (audited), and since when.
    noted: Mutex<HashMap<String, Instant>>,
}

/// A login refused by the limiter.
#[derive(Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The first refusal of this block: the one to audit (later ones in the
    /// same window are not, so a flood of attempts cannot flood the log).
    pub first: bool,
}

impl Limiter {
    fn keys(name: &str, from: &str) -> [String; 2] {
        [format!("user:{name}"), format!("addr:{from}")]
    }

    /// Whether attempts for `name` or from `from` are refused now.
    pub fn blocked(&self, name: &str, from: &str) -> Option<Blocked> {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, v| {
            v.retain(|t| t.elapsed() < WINDOW);
            !v.is_empty()
        });
        let keys: Vec<String> = Self::keys(name, from)
            .into_iter()
            .filter(|k| m.get(k).is_some_and(|v| v.len() >= MAX_FAILURES))
            .collect();
        drop(m);
        if keys.is_empty() {
            return None;
        }
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        noted.retain(|_, t| t.elapsed() < WINDOW);
        let mut first = false;
        for k in keys {
            if let std::collections::hash_map::Entry::Vacant(v) = noted.entry(k) {
                v.insert(Instant::now());
                first = true;
            }
        }
        Some(Blocked { first })
    }

    pub fn failed(&self, name: &str, from: &str) {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for k in Self::keys(name, from) {
            m.entry(k).or_default().push(Instant::now());
        }
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_differ() {
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()) && !same(&a, &b) && !same(&a, "x"));
    }

    #[test]
    fn five_failures_close_the_door() {
        let l = Limiter::default();
        for _ in 0..4 {
            l.failed("李静", "127.0.0.1");
        }
        assert_eq!(l.blocked("李静", "10.0.0.1"), None);
        l.failed("李静", "127.0.0.1");
        // The first refusal of a block is the one to audit; the next are not.
        assert_eq!(l.blocked("李静", "10.0.0.1"), Some(Blocked { first: true }));
        assert_eq!(
            l.blocked("李静", "10.0.0.1"),
            Some(Blocked { first: false })
        );
        // The address's block is its own: reported once too.
        assert_eq!(
            l.blocked("王芳", "127.0.0.1"),
            Some(Blocked { first: true })
        );
        assert_eq!(
            l.blocked("王芳", "127.0.0.1"),
            Some(Blocked { first: false })
        );
        assert_eq!(l.blocked("王芳", "10.0.0.2"), None);
    }

    #[test]
    fn idle_sessions_end() {
        let s = Sessions::new(Duration::from_millis(0));
        let x = s.start("李静", Role::Clerk);
        assert_eq!(s.touch(&x.id).err(), Some(true));
        assert_eq!(s.touch("nope").err(), Some(false));
        let s = Sessions::new(Duration::from_secs(60));
        let x = s.start("李静", Role::Clerk);
        assert_eq!(s.touch(&x.id).map(|v| v.user).ok().as_deref(), Some("李静"));
    }

    #[test]
    fn cookies_are_found() {
        assert_eq!(cookie("a=1; anjuan_desk=xyz", COOKIE), Some("xyz"));
        assert_eq!(cookie("anjuan_desk_x=1", COOKIE), None);
    }
}
