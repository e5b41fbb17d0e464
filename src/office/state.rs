//! The office's hidden state folder, `<office>/.anjuan`: accounts, the audit
//! trail and the edit snapshots live there. `check`, `render` and `pack` walk
//! only what they own, so the folder never reaches a paper or a bundle.

use std::path::{Path, PathBuf};

/// The office's hidden state folder (`<office>/.anjuan`), made owner-only.
pub fn state_dir(office: &Path) -> PathBuf {
    office.join(".anjuan")
}

/// Makes `<office>/.anjuan` (0700) if it is missing.
pub(crate) fn ensure_state_dir(office: &Path) -> std::io::Result<PathBuf> {
    private_dir(state_dir(office))
}

/// Makes `dir` (0700, its parent existing) if it is missing.
fn private_dir(dir: PathBuf) -> std::io::Result<PathBuf> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    match b.create(&dir) {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(dir),
        Err(e) => Err(e),
    }
}

/// Where the desk keeps uploads while they are checked (`<office>/.anjuan/uploads`):
/// inside the office, never the system's temporary folder, so nothing received
/// is written anywhere else.
pub fn uploads_dir(office: &Path) -> PathBuf {
    state_dir(office).join("uploads")
}

/// Makes `<office>/.anjuan/uploads` (0700, as its parent) if it is missing.
pub fn ensure_uploads_dir(office: &Path) -> std::io::Result<PathBuf> {
    ensure_state_dir(office)?;
    private_dir(uploads_dir(office))
}

/// Removes whatever uploads a previous run left (the desk's pending uploads
/// live only as long as its sessions, which a restart ends). Returns how many
/// entries were removed.
pub fn clear_uploads(office: &Path) -> std::io::Result<usize> {
    let dir = uploads_dir(office);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut n = 0;
    for e in entries.flatten() {
        let p = e.path();
        // The entry itself, never what a link points to.
        let gone = match e.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&p),
            _ => std::fs::remove_file(&p),
        };
        if gone.is_ok() {
            n += 1;
        }
    }
    Ok(n)
}
