//! `anjuan serve OFFICE`: starts the desk ([`crate::desk`]) and says where it is.

use std::io::Write as _;

use super::{AppError, Outcome};
use crate::desk::{self, Options};

pub(super) fn serve(opts: Options) -> Result<Outcome, AppError> {
    let insecure = opts.insecure_lan && opts.tls.is_none() && !opts.listen.ip().is_loopback();
    desk::serve(&opts, |addr, tls| {
        let scheme = if tls { "https" } else { "http" };
        // A server outlives whoever started it: a closed stdout or stderr (a
        // supervisor that read the address and went away) must not stop it, so
        // these writes ignore errors where println! would panic.
        if insecure {
            let _ = writeln!(
                std::io::stderr(),
                "警告 (warning): 以明文 HTTP 在 {addr} 上提供服务 (--insecure-lan)：口令与信访人个人信息将以明文在网络上传输。请尽快改用 --tls-cert/--tls-key。"
            );
        }
        // One write, so a reader of the first line has both.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(
            format!(
                "工作台 (desk): {scheme}://{addr}/\n按 Ctrl-C 停止 (press Ctrl-C to stop)；重启后所有人需重新登录。\n"
            )
            .as_bytes(),
        );
        let _ = out.flush();
    })?;
    let _ = writeln!(std::io::stderr(), "工作台已停止 (desk stopped).");
    Ok(Outcome::Clean)
}
