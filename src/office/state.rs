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
    let dir = state_dir(office);
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
