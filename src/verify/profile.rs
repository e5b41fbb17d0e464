//! The anjuan zip profile: how `archive::zipout` writes every entry, taken
//! when a zip is opened (a leaf: the container and the anjuan checks both use
//! it, neither through the other).

/// What each bit of a [`zip_profile_marks`] mark says is not as anjuan packs it.
pub(super) const PROFILE_WRONG: [&str; 8] = [
    "压缩方法",
    "标志位",
    "扩展字段",
    "条目注释",
    "时间",
    "版本",
    "文件属性",
    "排序",
];

/// The zip as anjuan writes it (`archive::zipout`): stored entries, no extra
/// fields but the ZIP64 one exactly where APPNOTE 4.5.3 calls for it (the
/// overflowing values only), version needed 1.0, or 4.5 on those entries alone,
/// one timestamp, regular files 0644, names sorted. Any other header value in an
/// anjuan bundle was not written by anjuan. Taken when the zip is opened (the
/// entries are not kept): the entries that differ, each with a bit per
/// [`PROFILE_WRONG`] — none for an anjuan bundle; `None` for a zip without entries.
pub(super) fn zip_profile_marks(entries: &[super::zipread::Entry]) -> Option<Vec<(Box<str>, u8)>> {
    let mut p = ProfileMarks::default();
    for e in entries {
        p.push(e);
    }
    p.finish()
}

/// [`zip_profile_marks`] taken entry by entry, for entries not held.
#[derive(Default)]
pub(super) struct ProfileMarks {
    /// The first entry's time and date.
    first: Option<(u16, u16)>,
    /// The entry before's name, once there was one (`seen`).
    prev: String,
    seen: bool,
    marks: Vec<(Box<str>, u8)>,
}

impl ProfileMarks {
    pub(super) fn push(&mut self, e: &super::zipread::Entry) {
        use crate::archive::zipout;
        let first = *self.first.get_or_insert((e.dos_time, e.dos_date));
        let mut wrong = 0u8;
        if e.method != 0 {
            wrong |= 1;
        }
        if e.flags & !0x0800 != 0 {
            wrong |= 2;
        }
        let central = zipout::central_zip64(e.size, e.local_offset);
        let local = zipout::local_zip64(e.size);
        if e.extra != central || e.local_extra != local || e.compressed != e.size {
            wrong |= 4;
        }
        if e.comment_len != 0 {
            wrong |= 8;
        }
        if (e.dos_time, e.dos_date) != first {
            wrong |= 16;
        }
        let needed = if central.is_empty() && local.is_empty() {
            zipout::NEEDED
        } else {
            zipout::NEEDED_ZIP64
        };
        if e.made_by != zipout::made_by(needed) || e.needed != needed {
            wrong |= 32;
        }
        if e.internal_attr != 0 || e.external_attr != zipout::EXTERNAL_ATTR {
            wrong |= 64;
        }
        if std::mem::replace(&mut self.seen, true) && self.prev.as_bytes() >= e.name.as_bytes() {
            wrong |= 128;
        }
        self.prev.clear();
        self.prev.push_str(&e.name);
        if wrong != 0 {
            self.marks.push((e.name.as_str().into(), wrong));
        }
    }

    /// The marks; `None` without entries.
    pub(super) fn finish(self) -> Option<Vec<(Box<str>, u8)>> {
        self.first.map(|_| self.marks)
    }
}
