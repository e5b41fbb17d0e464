//! Validation of one case record: stage prerequisites, identity numbers, phones,
//! date order, document numbers, and the statutory time limits.
//!
//! Every finding is a [`Diagnostic`] with a field path; the caller places it in the
//! file. Cross-file rules (unique case and document numbers) live in [`super::check_set`].

use super::calendar::Calendar;
use super::date::{Date, DateTime};
use super::deadline::{served_on, timeline, Actor};
use super::idnum::{check_id, check_phone, mask_id, IdProblem};
use super::model::*;
use crate::config::Config;
use crate::diag::{Diagnostic, FieldPath};

/// Settings a validation run needs besides the record.
pub struct Rules<'a> {
    pub config: &'a Config,
    /// Whether `config` is a real office file (so `office` must match it).
    pub config_is_real: bool,
    pub calendar: Calendar,
    /// The day to judge open limits against (today unless `--as-of`).
    pub as_of: Date,
    /// The office folder that received files (原件, 来件) are named relative to;
    /// `None`: only the paths as written are checked.
    pub root: Option<std::path::PathBuf>,
}

struct Ctx<'a> {
    case: &'a Case,
    rules: &'a Rules<'a>,
    out: Vec<Diagnostic>,
}

fn p(s: &str) -> FieldPath {
    FieldPath::parse(s)
}

pub use crate::diag::is_hidden_char;

/// What kind of hidden character `c` is, in the clerk's words.
fn hidden_kind(c: char) -> &'static str {
    match c {
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => "看不见的文字方向控制符 (bidi control)",
        c if c.is_control() => "控制字符 (control character)",
        _ => "看不见的零宽字符 (zero-width character)",
    }
}

/// The remedy for a hidden character.
pub const HIDDEN_CHAR_HINT: &str = "删除这个字符：把整个值删掉后重新输入，不要从网页或聊天软件复制";

/// The first hidden character in `s` (see [`is_hidden_char`]), as "the Nth
/// character (counted from 1) is an invisible …, U+XXXX". With `line_breaks_ok`
/// (a spreadsheet cell listing one person per line), line breaks and tabs pass.
pub fn hidden_char_problem(s: &str, line_breaks_ok: bool) -> Option<String> {
    let (i, c) = s.chars().enumerate().find(|(_, c)| {
        is_hidden_char(*c) && !(line_breaks_ok && matches!(c, '\n' | '\r' | '\t'))
    })?;
    Some(format!(
        "第 {} 个字符 U+{:04X} 是{}",
        i + 1,
        c as u32,
        hidden_kind(c)
    ))
}

/// The problem with a typed person value, if any: a hidden character (its code
/// point and position, counted in characters from 1), or a space at either end
/// (ASCII, full-width U+3000, no-break U+00A0 …). As `(code, message, remedy)`.
pub fn person_text_problem(s: &str) -> Option<(&'static str, String, &'static str)> {
    if let Some(why) = hidden_char_problem(s, false) {
        return Some(("hidden-char", why, HIDDEN_CHAR_HINT));
    }
    let lead = s.starts_with(char::is_whitespace);
    let trail = s.ends_with(char::is_whitespace);
    if (lead || trail) && !s.trim().is_empty() {
        let which = match (lead, trail) {
            (true, true) => "开头和末尾",
            (true, false) => "开头",
            _ => "末尾",
        };
        return Some((
            "edge-space",
            format!("{which}有空格 (leading or trailing space)"),
            "删除值首尾的空格（包括全角空格）",
        ));
    }
    None
}

/// Two person values name the same person: equal once hidden characters and
/// spaces at the ends are left out (those are reported at their own field, so a
/// stray zero-width space must not also surface as a mismatch elsewhere).
pub fn same_person(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String { s.chars().filter(|c| !is_hidden_char(*c)).collect() };
    key(a).trim() == key(b).trim()
}

impl Ctx<'_> {
    fn err(
        &mut self,
        code: &'static str,
        path: FieldPath,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.out.push(Diagnostic::error(code, path, msg).hint(hint));
    }

    fn warn(
        &mut self,
        code: &'static str,
        path: FieldPath,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.out
            .push(Diagnostic::warning(code, path, msg).hint(hint));
    }

    /// A required stage section is absent.
    fn needs(&mut self, path: FieldPath, what: &str, because: &str) {
        self.err(
            "prerequisite",
            path,
            format!("{because}，须先有{what} (missing prerequisite)"),
            format!("补录{what}，或删除依赖它的部分"),
        );
    }

    fn not_blank(&mut self, path: FieldPath, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.err(
                "blank",
                path,
                format!("{what}不能为空 (blank)"),
                format!("填写{what}"),
            );
        }
    }

    /// `later` must not be before `earlier`.
    fn order(&mut self, later_path: FieldPath, later: Date, earlier: Date, earlier_what: &str) {
        if later < earlier {
            self.err(
                "date-order",
                later_path,
                format!("日期 {later} 早于{earlier_what} {earlier} (date order)"),
                "核对两个日期，先后顺序应与办理过程一致",
            );
        }
    }

    fn not_future(&mut self, path: FieldPath, d: Date) {
        if d > self.rules.as_of {
            self.err(
                "future-date",
                path,
                format!(
                    "日期 {d} 晚于检查日 {} (date in the future)",
                    self.rules.as_of
                ),
                "只记录已经发生的事；计划中的事项不要写入案卷",
            );
        }
    }

    /// A typed person field (name, number, address …): a finding at the field for a
    /// hidden character or a space at either end. Returns whether it was clean.
    fn person(&mut self, path: FieldPath, value: &str, what: &str) -> bool {
        match person_text_problem(value) {
            None => true,
            Some((code, why, hint)) => {
                self.err(code, path, format!("{what}“{value}”{why}"), hint);
                false
            }
        }
    }

    fn person_opt(&mut self, path: FieldPath, value: &Option<String>, what: &str) -> bool {
        value.as_deref().is_none_or(|v| self.person(path, v, what))
    }

    fn phone(&mut self, path: FieldPath, phone: &Option<String>) {
        if !self.person_opt(path.clone(), phone, "电话号码") {
            return;
        }
        if let Some(ph) = phone {
            if let Err(why) = check_phone(ph) {
                self.err(
                    "phone",
                    path,
                    format!("电话号码格式错误 (phone format)：{why}"),
                    "手机写 11 位数字；固话写区号-号码，如 0571-88123456",
                );
            }
        }
    }

    fn id_number(
        &mut self,
        path: FieldPath,
        id_type: IdType,
        id: &Option<String>,
        sex: Option<Sex>,
    ) {
        let Some(id) = id else { return };
        if !self.person(path.clone(), id, "证件号码") {
            return;
        }
        if id_type != IdType::Resident {
            if id.trim().is_empty() {
                self.not_blank(path, id, "证件号码");
            }
            return;
        }
        match check_id(id) {
            Ok(facts) => {
                if let Some(s) = sex {
                    if s != facts.sex {
                        self.err(
                            "id-sex",
                            path.clone(),
                            format!("身份证号码显示性别为{}，与填写的性别“{}”不符 (sex does not match identity number)", facts.sex.zh(), s.zh()),
                            "核对身份证原件，改正性别或号码",
                        );
                    }
                }
                let received = self.case.arrival.received;
                if facts.birth > received.min(self.rules.as_of) {
                    self.err(
                        "id-birth",
                        path,
                        format!(
                            "身份证号码 {} 中的出生日期晚于收到信访事项的日期 {received} (birth date after the petition was received)",
                            mask_id(id)
                        ),
                        "第 7–14 位为出生日期 YYYYMMDD；核对身份证原件",
                    );
                }
            }
            Err(IdProblem::Length(15)) => self.err(
                "id-length",
                path,
                "身份证号码为 15 位旧号码 (first-generation 15-digit number)",
                "请换用 18 位居民身份证号码",
            ),
            Err(IdProblem::Length(n)) => self.err(
                "id-length",
                path,
                format!("身份证号码应为 18 位，实际为 {n} 位 (identity number length)"),
                "核对身份证原件，逐位重新录入",
            ),
            Err(IdProblem::FullWidth) => self.err(
                "id-chars",
                path,
                "身份证号码含有全角数字或字母（如 ３、Ｘ），须用半角 (full-width characters)",
                "把输入法切换到半角（英文）状态，逐位重新录入",
            ),
            Err(IdProblem::Province(code)) => self.err(
                "id-province",
                path,
                format!(
                    "身份证号码 {} 的前两位 {code} 不是省级行政区划代码 (GB/T 2260 province code)",
                    mask_id(id)
                ),
                "前两位为省、自治区、直辖市代码（11–65，71 台湾，81 香港，82 澳门）；核对身份证原件",
            ),
            Err(IdProblem::Characters) => self.err(
                "id-chars",
                path,
                "身份证号码含有非法字符：前 17 位须为数字，末位为数字或 X (identity number characters)",
                "核对身份证原件；末位的 X 用英文大写字母",
            ),
            Err(IdProblem::BirthDate) => self.err(
                "id-birth",
                path,
                format!("身份证号码 {} 中的出生日期不存在 (invalid birth date)", mask_id(id)),
                "第 7–14 位为出生日期 YYYYMMDD；核对身份证原件",
            ),
            Err(IdProblem::BirthTooEarly(year)) => self.err(
                "id-birth",
                path,
                format!(
                    "身份证号码 {} 中的出生年份 {year} 早于 {} 年 (implausible birth date)",
                    mask_id(id),
                    super::idnum::MIN_BIRTH_YEAR
                ),
                "第 7–10 位为出生年份；核对身份证原件",
            ),
            Err(IdProblem::Checksum { .. }) => self.err(
                "id-checksum",
                path,
                format!("身份证号码 {} 校验位不符 (GB 11643 checksum mismatch)", mask_id(id)),
                "号码有录入错误；核对身份证原件，逐位重新录入",
            ),
        }
    }

    fn doc_no(
        &mut self,
        path: FieldPath,
        doc: &Option<DocNo>,
        paper: Paper,
        date: Date,
        required: bool,
    ) {
        match doc {
            None if required => self.err(
                "doc-number-missing",
                path,
                format!("{}缺少文号 (document number)", paper.zh()),
                "填写 doc_no：本机关序号（如 12）或完整文号",
            ),
            None => {}
            Some(DocNo::Serial(0)) => self.err(
                "doc-number",
                path,
                "文号序号不能为 0 (serial must start at 1)",
                "序号从 1 开始",
            ),
            Some(DocNo::Serial(_)) if !self.rules.config.issuers.contains_key(&paper) => {
                self.err(
                    "issuer-missing",
                    path,
                    format!(
                        "办公室配置中没有“{}”的发文机关代字 (issuer code not configured)",
                        paper.zh()
                    ),
                    format!(
                        "在 anjuan.toml 的 [issuers] 中加入 \"{}\" = \"…字\"，或在此写完整文号",
                        paper.zh()
                    ),
                );
            }
            Some(DocNo::Serial(_)) => {}
            Some(DocNo::Full(s)) => self.full_doc_no(path, s, Some(date)),
        }
    }

    fn full_doc_no(&mut self, path: FieldPath, s: &str, date: Option<Date>) {
        match parse_doc_number(s) {
            Ok((year, _)) => {
                if let Some(d) = date {
                    if year != d.year() {
                        self.err(
                            "doc-number-year",
                            path,
                            format!("文号年份 {year} 与发文日期 {d} 不符 (document number year)"),
                            "文号〔〕内写发文当年的年份",
                        );
                    }
                }
            }
            Err(why) => self.err(
                "doc-number",
                path,
                format!("文号“{s}”格式不符合 GB/T 9704 (document number format)：{why}"),
                "格式为 机关代字〔年份〕序号号，例如 青信受字〔2026〕12号",
            ),
        }
    }
}

/// Parses `青信受字〔2026〕12号` into (year, serial), or says what is wrong.
pub fn parse_doc_number(s: &str) -> Result<(i32, u32), &'static str> {
    if s.contains('第') {
        return Err("序号前不加“第”字");
    }
    if !s.contains('〔') || !s.contains('〕') {
        return Err("年份须用六角括号〔〕括入");
    }
    let (code, rest) = s.split_once('〔').unwrap_or((s, ""));
    if code.trim().is_empty() {
        return Err("缺少机关代字");
    }
    let (year, rest) = rest.split_once('〕').unwrap_or((rest, ""));
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err("年份须为 4 位阿拉伯数字");
    }
    let Some(serial) = rest.strip_suffix('号') else {
        return Err("须以“号”结尾");
    };
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return Err("序号须为阿拉伯数字");
    }
    if serial.starts_with('0') {
        return Err("序号不编虚位（不加前导 0）");
    }
    Ok((year.parse().unwrap_or(0), serial.parse().unwrap_or(0)))
}

/// Validates one case; the findings are in no particular order.
pub fn validate(case: &Case, rules: &Rules) -> Vec<Diagnostic> {
    let mut c = Ctx {
        case,
        rules,
        out: Vec::new(),
    };
    identity(&mut c);
    person_fields(&mut c);
    people(&mut c);
    arrival(&mut c);
    acceptance(&mut c);
    handling(&mut c);
    extension(&mut c);
    hearing(&mut c);
    settlement(&mut c);
    reviews(&mut c);
    report_back(&mut c);
    deliveries(&mut c);
    events(&mut c);
    close(&mut c);
    limits(&mut c);
    originals(&mut c);
    c.out
}

/// The received files the record names: papers of other bodies (原件) and the
/// incoming papers. Each path is relative and inside the office folder, the
/// file is there, readable, and a PDF, JPEG, PNG or TIFF; a paper of another
/// body the record says exists has its original named (a warning: `pack`
/// refuses the case until it is).
fn originals(c: &mut Ctx) {
    let case = c.case;
    const REMEDY: &str =
        "扫描收到的原件（PDF、JPEG、PNG 或 TIFF），放在办公室目录中（如 originals/），\
         在此写相对于 anjuan.toml 所在目录的路径";
    let mut files: Vec<(FieldPath, &str)> = Vec::new();
    let mut wanted: Vec<(FieldPath, &Option<String>, String)> = Vec::new();
    if let (true, Some(a)) = (case.arrival.channel.from_above(), &case.arrival.assignment) {
        wanted.push((
            p("arrival.assignment.original"),
            &a.original,
            format!("{}的交办单（{}）", a.body, a.number),
        ));
    } else if let Some(a) = &case.arrival.assignment {
        if let Some(f) = &a.original {
            files.push((p("arrival.assignment.original"), f));
        }
    }
    for (key, r, what) in [
        ("review", &case.review, "复查意见书"),
        ("re_review", &case.re_review, "复核意见书"),
    ] {
        let Some(r) = r else { continue };
        match r.date {
            Some(_) => wanted.push((
                p(key).key("original"),
                &r.original,
                match r.doc_no.as_deref() {
                    Some(n) => format!("{}的{what}（{n}）", r.body),
                    None => format!("{}的{what}", r.body),
                },
            )),
            None => {
                if let Some(f) = &r.original {
                    files.push((p(key).key("original"), f));
                }
            }
        }
    }
    for (path, original, what) in wanted {
        match original {
            Some(f) => files.push((path, f)),
            None => c.warn(
                "no-original",
                path.clone(),
                format!("记录了{what}，但没有写收到的原件 (no received original)；归档（pack）时将拒绝此案件"),
                REMEDY,
            ),
        }
    }
    for (i, x) in case.incoming.iter().enumerate() {
        files.push((p("incoming").index(i).key("file"), &x.file));
    }
    for (path, f) in files {
        let problem = match &c.rules.root {
            Some(root) => super::original::read(root, f).err(),
            None => super::original::path_problem(f),
        };
        if let Some(m) = problem {
            c.err(
                "original-file",
                path,
                format!("收到的文件不可用 (received file): {m}"),
                REMEDY,
            );
        }
    }
}

fn identity(c: &mut Ctx) {
    let case = c.case;
    let id = case.id.trim();
    if id.is_empty() {
        c.err(
            "case-id",
            p("id"),
            "案件编号不能为空 (case number)",
            "填写本机关的案件编号，如 XF-2026-0007",
        );
    } else if id.chars().any(|ch| {
        ch.is_whitespace() || matches!(ch, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
    }) {
        c.err(
            "case-id",
            p("id"),
            format!("案件编号“{id}”含有空格或文件名不允许的字符 (case number characters)"),
            "案件编号会用作文件夹名；只用字母、数字、汉字和 - _",
        );
    }
    if let Some(y) = case.year {
        let r = case.arrival.received.year();
        if y < r || y > r + 1 {
            c.err(
                "year",
                p("year"),
                format!("登记年度 {y} 与收到日期的年份 {r} 不符 (registration year)"),
                "登记年度一般为收到的年份；不写则自动取收到年份",
            );
        }
    }
    if let Some(o) = &case.office {
        if c.rules.config_is_real && o.trim() != c.rules.config.office.name {
            let cfg = c.rules.config.office.name.clone();
            c.err(
                "office",
                p("office"),
                format!("承办机关“{o}”与办公室配置中的“{cfg}”不符 (office mismatch)"),
                "删除 office 字段（默认取配置），或把案件放到对应机关的文件夹",
            );
        }
    }
    c.not_blank(p("matter.summary"), &case.matter.summary, "事项摘要");
    c.not_blank(p("matter.category"), &case.matter.category, "问题分类");
    if case.matter.requests.is_empty() {
        c.err(
            "blank",
            p("matter.requests"),
            "至少要有一项诉求 (requests)",
            "把信访人的请求逐项写入 requests = [\"…\", \"…\"]",
        );
    }
    for (i, r) in case.matter.requests.iter().enumerate() {
        c.not_blank(p("matter.requests").index(i), r, "诉求");
    }
    let cats = &c.rules.config.categories;
    if !cats.is_empty() && !cats.iter().any(|k| k == case.matter.category.trim()) {
        let list = cats.join("、");
        c.err(
            "category",
            p("matter.category"),
            format!(
                "问题分类“{}”不在本机关的分类表中 (unknown category)",
                case.matter.category
            ),
            format!("可选：{list}；或在 anjuan.toml 的 categories 中增加"),
        );
    }
}

/// Every field that holds a person's name or particulars, checked as typed
/// (hidden characters, spaces at the ends). Identity numbers and phones are
/// checked with their own rules in [`Ctx::id_number`] and [`Ctx::phone`].
fn person_fields(c: &mut Ctx) {
    let case = c.case;
    let list = |c: &mut Ctx, path: FieldPath, xs: &[String], what: &str| {
        for (i, x) in xs.iter().enumerate() {
            c.person(path.index(i), x, what);
        }
    };
    for (i, pt) in case.petitioners.iter().enumerate() {
        let base = p("petitioners").index(i);
        c.person(base.key("name"), &pt.name, "信访人姓名");
        c.person_opt(base.key("address"), &pt.address, "住址");
        c.person_opt(base.key("employer"), &pt.employer, "工作单位");
    }
    for (i, a) in case.agents.iter().enumerate() {
        let base = p("agents").index(i);
        c.person(base.key("name"), &a.name, "代理人姓名");
        c.person(base.key("relation"), &a.relation, "与委托人关系");
        c.person_opt(base.key("employer"), &a.employer, "工作单位");
        list(c, base.key("principals"), &a.principals, "委托人姓名");
    }
    if let Some(acc) = &case.acceptance {
        c.person_opt(p("acceptance.contact"), &acc.contact, "联系人");
    }
    if let Some(r) = &case.responsibility {
        c.person(p("responsibility.unit"), &r.unit, "责任单位");
        c.person(p("responsibility.leader"), &r.leader, "包案领导");
        c.person_opt(
            p("responsibility.leader_title"),
            &r.leader_title,
            "领导职务",
        );
        c.person(p("responsibility.handler"), &r.handler, "责任人");
        c.phone(p("responsibility.handler_phone"), &r.handler_phone);
        list(c, p("responsibility.team"), &r.team, "专班成员姓名");
    }
    if let Some(h) = &case.handling {
        c.person(p("handling.signed_off_by"), &h.signed_off_by, "签发领导");
        for (i, inv) in h.investigation.iter().enumerate() {
            let base = p("handling.investigation").index(i);
            c.person_opt(base.key("by"), &inv.by, "调查人");
        }
    }
    if let Some(by) = case.extension_record().and_then(|e| e.approved_by.as_ref()) {
        let path = p(case.extension_field()).key("approved_by");
        c.person(path, by, "批准人");
    }
    if let Some(hr) = &case.hearing {
        for (i, x) in hr.participants.iter().enumerate() {
            let base = p("hearing.participants").index(i);
            c.person(base.key("name"), &x.name, "参加人姓名");
            c.person_opt(base.key("unit"), &x.unit, "单位或职务");
        }
        for (i, m) in hr.minutes.iter().enumerate() {
            c.person(
                p("hearing.minutes").index(i).key("speaker"),
                &m.speaker,
                "发言人",
            );
        }
    }
    if let Some(s) = &case.settlement {
        for (i, party) in s.parties.iter().enumerate() {
            let base = p("settlement.parties").index(i);
            c.person(base.key("name"), &party.name, "当事人名称");
            c.person_opt(base.key("address"), &party.address, "住址");
            c.person_opt(base.key("representative"), &party.representative, "代表人");
        }
        list(c, p("settlement.witnesses"), &s.witnesses, "见证人姓名");
    }
    if let Some(rb) = &case.report_back {
        c.person(p("report_back.signer"), &rb.signer, "签发人");
        c.person(p("report_back.contact"), &rb.contact, "联系人");
    }
    for (i, d) in case.deliveries.iter().enumerate() {
        let base = p("deliveries").index(i);
        c.person(base.key("recipient"), &d.recipient, "签收人");
        c.person_opt(base.key("relation"), &d.relation, "与受送达人关系");
        c.person_opt(base.key("witness"), &d.witness, "见证人");
        list(c, base.key("servers"), &d.servers, "送达人姓名");
    }
    for (i, e) in case.events.iter().enumerate() {
        c.person_opt(p("events").index(i).key("by"), &e.by, "经办人");
    }
}

fn people(c: &mut Ctx) {
    let case = c.case;
    if case.petitioners.is_empty() {
        c.err(
            "blank",
            p("petitioners"),
            "至少要有一名信访人 (petitioners)",
            "加入 [[petitioners]] 表",
        );
    }
    let mut ids: Vec<(String, usize)> = Vec::new();
    for (i, pt) in case.petitioners.iter().enumerate() {
        let base = p("petitioners").index(i);
        c.not_blank(base.key("name"), &pt.name, "信访人姓名");
        c.id_number(base.key("id_number"), pt.id_type, &pt.id_number, pt.sex);
        c.phone(base.key("phone"), &pt.phone);
        if let Some(id) = &pt.id_number {
            let norm = id.trim().to_ascii_uppercase();
            if let Some((_, j)) = ids.iter().find(|(x, _)| *x == norm) {
                c.err(
                    "duplicate-person",
                    base.key("id_number"),
                    format!(
                        "与第 {} 名信访人的证件号码相同 (same identity number twice)",
                        j + 1
                    ),
                    "同一人只列一次",
                );
            } else {
                ids.push((norm, i));
            }
        }
    }
    let reps = case.petitioners.iter().filter(|p| p.representative).count();
    if let Some(col) = &case.collective {
        if (col.headcount as usize) < case.petitioners.len() {
            c.err(
                "collective",
                p("collective.headcount"),
                format!(
                    "涉及人数 {} 少于列出的信访人 {} 名 (headcount)",
                    col.headcount,
                    case.petitioners.len()
                ),
                "涉及人数应包括所有列名的信访人",
            );
        }
        if col.headcount >= 5 && case.arrival.channel == Channel::Visit && reps == 0 {
            c.err(
                "representatives",
                p("petitioners"),
                "多人走访须推选代表，但没有标记代表人 (representatives)",
                "在代表人的 [[petitioners]] 中写 representative = true",
            );
        }
    }
    if reps > 5 {
        c.err(
            "representatives",
            p("petitioners"),
            format!("推选代表 {reps} 人，超过 5 人 (at most 5 representatives)"),
            "《信访工作条例》规定多人走访推选代表不超过 5 人",
        );
    }
    if reps > 0 && case.collective.is_none() {
        c.warn(
            "collective",
            p("petitioners"),
            "标记了代表人，但没有 [collective] 涉及人数 (collective case)",
            "集体信访请加 [collective] headcount = 人数",
        );
    }
    for (i, a) in case.agents.iter().enumerate() {
        let base = p("agents").index(i);
        c.not_blank(base.key("name"), &a.name, "代理人姓名");
        c.id_number(base.key("id_number"), IdType::Resident, &a.id_number, None);
        c.phone(base.key("phone"), &a.phone);
        if a.principals.is_empty() {
            c.err(
                "agent",
                base.key("principals"),
                "代理人没有委托人 (principals)",
                "principals = [\"信访人姓名\"]",
            );
        }
        for (j, name) in a.principals.iter().enumerate() {
            if !case.petitioners.iter().any(|p| same_person(&p.name, name)) {
                c.err(
                    "agent",
                    base.key("principals").index(j),
                    format!("委托人“{name}”不在信访人名单中 (unknown principal)"),
                    "委托人须与 [[petitioners]] 中的姓名一致",
                );
            }
        }
        c.not_future(
            base.key("power_of_attorney").key("date"),
            a.power_of_attorney.date,
        );
        c.not_blank(
            base.key("power_of_attorney").key("scope"),
            &a.power_of_attorney.scope,
            "委托权限",
        );
    }
}

fn arrival(c: &mut Ctx) {
    let a = &c.case.arrival;
    c.not_future(p("arrival.received"), a.received);
    if let Some(r) = &c.case.responsibility {
        c.not_blank(p("responsibility.unit"), &r.unit, "责任单位");
        c.not_blank(p("responsibility.leader"), &r.leader, "包案领导");
        c.not_blank(p("responsibility.handler"), &r.handler, "责任人");
        if let Some(due) = r.due {
            c.order(p("responsibility.due"), due, a.received, "收到日期");
        }
    }
    match (&a.assignment, a.channel.from_above()) {
        (None, true) => c.needs(
            p("arrival.channel"),
            "交办/转送信息 [arrival.assignment]",
            &format!("信访形式为{}", a.channel.zh()),
        ),
        (Some(_), false) => c.err(
            "assignment",
            p("arrival.assignment"),
            format!(
                "信访形式为{}，却有交办信息 (assignment on a direct case)",
                a.channel.zh()
            ),
            "上级交办的案件 channel 写“交办”或“转送”；否则删除 [arrival.assignment]",
        ),
        _ => {}
    }
    if let Some(asg) = &a.assignment {
        c.not_blank(p("arrival.assignment.body"), &asg.body, "交办机关");
        c.full_doc_no(p("arrival.assignment.number"), &asg.number, Some(asg.date));
        c.order(p("arrival.received"), a.received, asg.date, "交办日期");
        if let Some(rd) = asg.report_due {
            c.order(
                p("arrival.assignment.report_due"),
                rd,
                a.received,
                "收到日期",
            );
        }
    }
    if let Some(o) = &c.case.objection {
        if !a.channel.from_above() {
            c.err(
                "objection",
                p("objection"),
                "只有交办/转送的事项才能提出异议 (objection)",
                "删除 [objection]，或改正信访形式",
            );
        }
        c.order(p("objection.date"), o.date, a.received, "收到日期");
        c.not_future(p("objection.date"), o.date);
        c.not_blank(p("objection.reason"), &o.reason, "异议理由");
    }
}

fn acceptance(c: &mut Ctx) {
    let case = c.case;
    let Some(acc) = &case.acceptance else {
        return;
    };
    c.order(
        p("acceptance.date"),
        acc.date,
        case.arrival.received,
        "收到日期",
    );
    c.not_future(p("acceptance.date"), acc.date);
    let paper = match acc.decision {
        Decision::Accept => Paper::AcceptNotice,
        Decision::Refuse => Paper::RefuseNotice,
    };
    c.doc_no(p("acceptance.doc_no"), &acc.doc_no, paper, acc.date, true);
    c.phone(p("acceptance.contact_phone"), &acc.contact_phone);
    match acc.decision {
        Decision::Refuse => {
            let need = |c: &mut Ctx, f: &str, v: bool, what: &str| {
                if !v {
                    c.err(
                        "refusal",
                        p("acceptance").key(f),
                        format!("不予受理须写明{what} (refusal needs {f})"),
                        format!("在 [acceptance] 中填写 {f}"),
                    );
                }
            };
            need(c, "reason_kind", acc.reason_kind.is_some(), "理由类别");
            need(
                c,
                "reason",
                acc.reason.as_deref().is_some_and(|s| !s.trim().is_empty()),
                "理由",
            );
            need(
                c,
                "legal_basis",
                acc.legal_basis
                    .as_deref()
                    .is_some_and(|s| !s.trim().is_empty()),
                "法律依据",
            );
            if matches!(
                acc.reason_kind,
                Some(RefusalKind::OutsidePowers | RefusalKind::OtherProcedure)
            ) && acc.redirect_to.is_none()
            {
                c.err(
                    "refusal",
                    p("acceptance.redirect_to"),
                    "以超出职权或法定途径为由不予受理，须告知应当向哪个机关或通过什么途径提出 (redirect_to)",
                    "填写 redirect_to，例如 \"青溪县人民法院\"",
                );
            }
        }
        Decision::Accept => {
            for (f, v) in [
                ("reason_kind", acc.reason_kind.is_some()),
                ("reason", acc.reason.is_some()),
                ("legal_basis", acc.legal_basis.is_some()),
                ("redirect_to", acc.redirect_to.is_some()),
            ] {
                if v {
                    c.err(
                        "refusal",
                        p("acceptance").key(f),
                        format!(
                            "决定受理，却填写了不予受理的 {f} (refusal field on an accepted case)"
                        ),
                        "删除此字段，或把 decision 改为“不予受理”",
                    );
                }
            }
        }
    }
}

fn accepted(case: &Case) -> Option<&Acceptance> {
    case.acceptance
        .as_ref()
        .filter(|a| a.decision == Decision::Accept)
}

fn handling(c: &mut Ctx) {
    let case = c.case;
    let Some(h) = &case.handling else {
        return;
    };
    let Some(acc) = accepted(case) else {
        let because = if case.acceptance.is_some() {
            "已决定不予受理的事项不能出具处理意见"
        } else {
            "出具处理意见书"
        };
        c.needs(p("handling"), "受理决定（decision = \"受理\"）", because);
        return;
    };
    if case.responsibility.is_none() {
        c.needs(
            p("handling"),
            "责任落实 [responsibility]（责任单位、包案领导、承办人）",
            "出具处理意见书",
        );
    }
    c.order(p("handling.date"), h.date, acc.date, "受理日期");
    c.not_future(p("handling.date"), h.date);
    c.doc_no(
        p("handling.doc_no"),
        &h.doc_no,
        Paper::Opinion,
        h.date,
        true,
    );
    c.not_blank(p("handling.facts"), &h.facts, "查明事实");
    sign_off(c, h);
    c.not_blank(p("handling.review_body"), &h.review_body, "复查机关");
    if h.legal_basis.is_empty() {
        c.err(
            "blank",
            p("handling.legal_basis"),
            "处理意见须写明法律政策依据 (legal basis)",
            "legal_basis = [\"《…》第…条\"]",
        );
    }
    if h.procedure == Procedure::Simple && !c.rules.config.calendar.short_form {
        c.err(
            "procedure",
            p("handling.procedure"),
            "本机关未启用简易程序 (short-form procedure not enabled)",
            "所在省份允许时，在 anjuan.toml 的 [calendar] 中设 short_form = true",
        );
    }
    for (i, inv) in h.investigation.iter().enumerate() {
        let base = p("handling.investigation").index(i);
        c.order(
            base.key("date"),
            inv.date,
            case.arrival.received,
            "收到日期",
        );
        if inv.date > h.date {
            c.err(
                "date-order",
                base.key("date"),
                format!(
                    "调查日期 {} 晚于处理意见书日期 {} (date order)",
                    inv.date, h.date
                ),
                "调查应在出具处理意见之前",
            );
        }
    }
    let n = case.matter.requests.len();
    let mut seen = vec![false; n];
    for (i, d) in h.decisions.iter().enumerate() {
        let path = p("handling.decisions").index(i).key("request");
        c.not_blank(
            p("handling.decisions").index(i).key("reason"),
            &d.reason,
            "处理理由",
        );
        let k = d.request as usize;
        if k == 0 || k > n {
            c.err(
                "decision",
                path,
                format!(
                    "第 {} 项诉求不存在：matter.requests 只有 {n} 项 (unknown request)",
                    d.request
                ),
                "request 写诉求的序号，从 1 开始",
            );
        } else if seen[k - 1] {
            c.err(
                "decision",
                path,
                format!("第 {k} 项诉求有两个处理结果 (decided twice)"),
                "每项诉求只写一个处理结果",
            );
        } else {
            seen[k - 1] = true;
        }
    }
    for (k, done) in seen.iter().enumerate() {
        if !done {
            c.err(
                "decision",
                p("handling.decisions"),
                format!(
                    "第 {} 项诉求“{}”没有处理结果 (request not decided)",
                    k + 1,
                    case.matter.requests[k]
                ),
                "处理意见书须对每项诉求作出支持、解释说明或不予支持的结论",
            );
        }
    }
}

/// The extension of the handling period (延期), a step of its own: at most 30 days,
/// approved by the body's head before the original limit runs out, the petitioner
/// told (延期告知书) on or after approval and before that limit.
fn extension(c: &mut Ctx) {
    let case = c.case;
    if let (Some(_), Some(_)) = (
        &case.extension,
        case.handling.as_ref().and_then(|h| h.extension.as_ref()),
    ) {
        c.err(
            "extension",
            p("handling.extension"),
            "延期记录了两次：[extension] 和 [handling.extension] 同时存在 (extension recorded twice)",
            "只保留顶层的 [extension]，删除 [handling.extension]",
        );
    }
    let Some(e) = case.extension_record() else {
        return;
    };
    let base = p(case.extension_field());
    let Some(acc) = accepted(case) else {
        let because = if case.acceptance.is_some() {
            "已决定不予受理的事项不能延期办理"
        } else {
            "延长办理期限"
        };
        c.needs(base, "受理决定（decision = \"受理\"）", because);
        return;
    };
    if e.days == 0 || e.days > 30 {
        c.err(
            "extension",
            base.key("days"),
            format!(
                "延长 {} 日不符合规定：延期不得超过 30 日 (extension ≤ 30 days)",
                e.days
            ),
            "延长天数为 1–30",
        );
    }
    c.not_blank(base.key("reason"), &e.reason, "延期理由");
    let original = super::deadline::original_handling_due(case, &c.rules.calendar)
        .unwrap_or_else(|| c.rules.calendar.due_after_days(acc.date, 60));
    let Some(x) = e.approved() else {
        extension_request(c, e, base, original);
        return;
    };
    if x.approved_on > original {
        c.err(
            "extension",
            base.key("approved_on"),
            format!("延期在原办理期限 {original} 届满后才批准 (extension approved too late)"),
            "延期须在 60 日期限内经本机关负责人批准",
        );
    }
    c.order(base.key("approved_on"), x.approved_on, acc.date, "受理日期");
    c.not_future(base.key("approved_on"), x.approved_on);
    c.order(
        base.key("notified_on"),
        x.notified_on,
        x.approved_on,
        "批准日期",
    );
    if x.notified_on > original && x.approved_on <= original {
        c.err(
            "extension",
            base.key("notified_on"),
            format!(
                "延期告知书 {} 在原办理期限 {original} 届满后才发出 (petitioner told too late)",
                x.notified_on
            ),
            "延期须在原办理期限届满前告知信访人并说明理由",
        );
    }
    c.not_future(base.key("notified_on"), x.notified_on);
    c.not_blank(base.key("approved_by"), x.approved_by, "批准人");
    if let Some(head) = c.rules.config.signers.head.as_deref() {
        if !x.approved_by.trim().is_empty() && !same_person(x.approved_by, head) {
            c.warn(
                "extension-approver",
                base.key("approved_by"),
                format!(
                    "批准人“{}”不是本机关负责人“{head}” (approver is not the head of the body)",
                    x.approved_by
                ),
                "延期须经本机关负责人批准（anjuan.toml 的 [signers] head）；负责人委托他人批准的，在 remarks 中说明",
            );
        }
    }
    c.doc_no(
        base.key("doc_no"),
        &e.doc_no,
        Paper::ExtensionNotice,
        x.notified_on,
        false,
    );
    if let Some(h) = &case.handling {
        if h.date < x.approved_on {
            c.err(
                "extension",
                base.key("approved_on"),
                format!(
                    "延期批准日期 {} 晚于处理意见书日期 {} (extension approved after the opinion)",
                    x.approved_on, h.date
                ),
                "延期只能在出具处理意见之前批准；已按期出具意见的，删除延期记录",
            );
        }
    }
}

/// An extension requested and not yet approved (延期待审批): it does not move the
/// limit; the head approves it (批准人 and 批准日期 together) before the original
/// limit runs out, and only then is the petitioner told.
fn extension_request(c: &mut Ctx, e: &Extension, base: FieldPath, original: Date) {
    let (by, on) = (e.approved_by.is_some(), e.approved_on.is_some());
    if by != on {
        let missing = if by { "approved_on" } else { "approved_by" };
        c.err(
            "extension",
            base.key(missing),
            "延期的批准人与批准日期须同时填写 (approver and approval date go together)",
            "批准后写 approved_by = \"负责人姓名\" 与 approved_on = 批准日期；尚未批准的，两项都不写",
        );
        return;
    }
    if e.notified_on.is_some() || e.doc_no.is_some() {
        c.err(
            "extension",
            base.key(if e.notified_on.is_some() {
                "notified_on"
            } else {
                "doc_no"
            }),
            "延期尚未批准，不能告知信访人或编发延期告知书 (extension not approved yet)",
            "待本机关负责人批准后再告知信访人；删除 notified_on / doc_no",
        );
    }
    if case_closed_or_handled(c.case) {
        c.err(
            "extension",
            base.clone(),
            "已出具处理意见的事项不能再申请延期 (extension requested after the opinion)",
            "删除延期申请 [extension]",
        );
        return;
    }
    let (msg, hint) = if c.rules.as_of > original {
        (
            format!(
                "延期待审批：原办理期限 {original} 已届满，已不能批准延期 (extension request pending; the limit has run out)"
            ),
            "延期须在原期限届满前批准；请撤回申请（删除 [extension]）并尽快办结".to_string(),
        )
    } else {
        (
            format!(
                "延期待审批：申请延长 {} 日，尚未经本机关负责人批准，办理期限仍为 {original} (extension request pending approval)",
                e.days
            ),
            format!("请领导在 {original} 前审批；批准前办理期限不变"),
        )
    };
    c.warn("extension-pending", base, msg, hint);
}

fn case_closed_or_handled(case: &Case) -> bool {
    case.handling.as_ref().is_some_and(|h| h.signed_off()) || case.close.is_some()
}

/// 签发 (sign-off of the handling opinion): a drafted opinion awaits the leader
/// (a warning, not an error: no 处理意见书 is made until it is signed off); the
/// sign-off date is not before the opinion's date, nor in the future.
fn sign_off(c: &mut Ctx, h: &Handling) {
    if !h.signed_off() {
        c.warn(
            "opinion-unsigned",
            p("handling.signed_off_by"),
            "处理意见待审签：签发领导尚未签发，处理意见书暂不生成 (handling opinion awaiting sign-off)",
            "请领导在工作台“审批”页审签；签发后写入 signed_off_by 与 signed_off_on",
        );
        if let Some(on) = h.signed_off_on {
            c.err(
                "sign-off",
                p("handling.signed_off_on"),
                format!("写了签发日期 {on}，却没有签发领导 (sign-off date without a signer)"),
                "写明 signed_off_by = \"领导姓名\"，或删除 signed_off_on",
            );
        }
        return;
    }
    if let Some(on) = h.signed_off_on {
        if on < h.date {
            c.err(
                "sign-off",
                p("handling.signed_off_on"),
                format!(
                    "签发日期 {on} 早于处理意见书日期 {} (signed off before the opinion's date)",
                    h.date
                ),
                "签发日期不得早于处理意见书日期",
            );
        }
        c.not_future(p("handling.signed_off_on"), on);
    }
}

fn hearing(c: &mut Ctx) {
    let case = c.case;
    let Some(hr) = &case.hearing else {
        return;
    };
    let Some(acc) = accepted(case) else {
        c.needs(p("hearing"), "受理决定（decision = \"受理\"）", "举行听证");
        return;
    };
    if hr.stage == Stage::ReReview && case.re_review.is_none() {
        c.needs(p("hearing.stage"), "复核 [re_review]", "复核阶段的听证");
    }
    if hr.end <= hr.start {
        c.err(
            "date-order",
            p("hearing.end"),
            format!(
                "听证结束时间 {} 不晚于开始时间 {} (date order)",
                hr.end, hr.start
            ),
            "核对听证起止时间",
        );
    }
    c.order(p("hearing.start"), hr.start.date(), acc.date, "受理日期");
    c.not_future(p("hearing.end"), hr.end.date());
    if hr.stage == Stage::Handling {
        if let Some(h) = &case.handling {
            if hr.start.date() > h.date {
                c.err(
                    "date-order",
                    p("hearing.start"),
                    format!(
                        "办理阶段的听证 {} 晚于处理意见书日期 {} (date order)",
                        hr.start.date(),
                        h.date
                    ),
                    "听证应在出具处理意见之前举行",
                );
            }
        }
    }
    let count = |r: Role| hr.participants.iter().filter(|x| x.role == r).count();
    if count(Role::Presiding) != 1 {
        c.err(
            "hearing",
            p("hearing.participants"),
            format!(
                "听证须有且只有一名主持人，实有 {} 名 (presiding officer)",
                count(Role::Presiding)
            ),
            "加入 role = \"主持人\" 的参加人",
        );
    }
    if count(Role::Recorder) == 0 {
        c.err(
            "hearing",
            p("hearing.participants"),
            "听证须有记录员 (recorder)",
            "加入 role = \"记录员\" 的参加人",
        );
    }
    if count(Role::Petitioner) + count(Role::Agent) == 0 {
        c.err(
            "hearing",
            p("hearing.participants"),
            "听证须有信访人或其代理人参加 (petitioner or agent)",
            "加入 role = \"信访人\" 或 \"代理人\" 的参加人",
        );
    }
    let handler = case.responsibility.as_ref().map(|r| r.handler.as_str());
    for (i, x) in hr.participants.iter().enumerate() {
        c.not_blank(
            p("hearing.participants").index(i).key("name"),
            &x.name,
            "参加人姓名",
        );
        let is_handler = handler.is_some_and(|h| same_person(h, &x.name))
            || hr
                .participants
                .iter()
                .any(|y| y.role == Role::Handler && same_person(&y.name, &x.name));
        if x.role == Role::Presiding && is_handler {
            c.err(
                "hearing",
                p("hearing.participants").index(i).key("name"),
                format!("主持人“{}”是本案承办人，应当回避 (presiding officer must not be the case handler)", x.name),
                "由未参与调查的人员主持听证",
            );
        }
        if x.role == Role::Petitioner
            && !case
                .petitioners
                .iter()
                .any(|p| same_person(&p.name, &x.name))
        {
            c.err(
                "hearing",
                p("hearing.participants").index(i).key("name"),
                format!(
                    "参加听证的信访人“{}”不在信访人名单中 (unknown petitioner)",
                    x.name
                ),
                "姓名须与 [[petitioners]] 中的一致；代理人用 role = \"代理人\"",
            );
        }
        if x.role == Role::Agent && !case.agents.iter().any(|a| same_person(&a.name, &x.name)) {
            c.err(
                "hearing",
                p("hearing.participants").index(i).key("name"),
                format!(
                    "代理人“{}”没有授权委托书记录 (agent without power of attorney)",
                    x.name
                ),
                "在 [[agents]] 中登记其授权委托书",
            );
        }
    }
    if hr.minutes.is_empty() {
        c.err(
            "blank",
            p("hearing.minutes"),
            "听证笔录没有听证经过 (minutes)",
            "按开场、陈述、举证、质证、辩论、最后陈述的顺序记录",
        );
    }
    c.not_blank(p("hearing.place"), &hr.place, "听证地点");
    c.not_blank(p("hearing.conclusion"), &hr.conclusion, "听证结论");
}

fn settlement(c: &mut Ctx) {
    let case = c.case;
    let Some(s) = &case.settlement else {
        return;
    };
    let Some(acc) = accepted(case) else {
        c.needs(
            p("settlement"),
            "受理决定（decision = \"受理\"）",
            "签订协议",
        );
        return;
    };
    c.order(p("settlement.date"), s.date, acc.date, "受理日期");
    c.not_future(p("settlement.date"), s.date);
    c.doc_no(
        p("settlement.doc_no"),
        &s.doc_no,
        Paper::Agreement,
        s.date,
        false,
    );
    if s.parties.len() < 2 {
        c.err(
            "settlement",
            p("settlement.parties"),
            "协议至少要有两方当事人 (parties)",
            "列出信访人一方和机关一方",
        );
    }
    if s.terms.is_empty() {
        c.err(
            "settlement",
            p("settlement.terms"),
            "协议没有条款 (terms)",
            "terms = [\"…\", \"…\"]，按序号顺序",
        );
    }
    if s.copies < 2 {
        c.err(
            "settlement",
            p("settlement.copies"),
            format!("协议份数 {} 少于 2 (copies)", s.copies),
            "各方各执一份，一份存档",
        );
    }
    if s.kind == SettlementKind::Cease && !s.undertaking {
        c.err(
            "settlement",
            p("settlement.undertaking"),
            "息诉息访协议须有信访人息诉罢访的承诺 (undertaking)",
            "写 undertaking = true，并在条款中写明承诺内容",
        );
    }
    for (i, party) in s.parties.iter().enumerate() {
        let base = p("settlement.parties").index(i);
        c.not_blank(base.key("name"), &party.name, "当事人名称");
        c.id_number(
            base.key("id_number"),
            IdType::Resident,
            &party.id_number,
            None,
        );
    }
    c.not_blank(p("settlement.facts"), &s.facts, "争议事实");
}

fn reviews(c: &mut Ctx) {
    let case = c.case;
    if let Some(r) = &case.review {
        match served_on(case, Paper::Opinion) {
            None => c.needs(p("review"), "处理意见书的送达记录", "申请复查"),
            Some(served) => c.order(
                p("review.requested_on"),
                r.requested_on,
                served,
                "处理意见书送达日期",
            ),
        }
        review_common(c, "review", r, Paper::ReviewOpinion);
    }
    if let Some(r) = &case.re_review {
        let reviewed = case.review.as_ref().and_then(|x| x.date);
        match (reviewed, served_on(case, Paper::ReviewOpinion)) {
            (None, _) => c.needs(p("re_review"), "复查意见 [review] 及其日期", "申请复核"),
            (Some(_), None) => c.needs(p("re_review"), "复查意见书的送达记录", "申请复核"),
            (Some(_), Some(served)) => c.order(
                p("re_review.requested_on"),
                r.requested_on,
                served,
                "复查意见书送达日期",
            ),
        }
        review_common(c, "re_review", r, Paper::ReReviewOpinion);
    }
}

fn review_common(c: &mut Ctx, key: &str, r: &Review, paper: Paper) {
    let base = p(key);
    c.not_future(base.key("requested_on"), r.requested_on);
    c.not_blank(base.key("body"), &r.body, "复查/复核机关");
    if r.requests.is_empty() {
        c.err(
            "blank",
            base.key("requests"),
            "没有写明请求事项 (requests)",
            "requests = [\"…\"]",
        );
    }
    match r.date {
        Some(d) => {
            c.order(base.key("date"), d, r.requested_on, "申请日期");
            c.not_future(base.key("date"), d);
            if r.outcome.is_none() {
                c.err(
                    "review",
                    base.key("outcome"),
                    format!("{}已出具，但没有结果 (outcome)", paper.zh()),
                    "outcome = \"维持\" / \"变更\" / \"撤销重办\"",
                );
            }
            match &r.doc_no {
                None => c.err(
                    "doc-number-missing",
                    base.key("doc_no"),
                    format!("{}缺少文号 (document number)", paper.zh()),
                    "填写复查/复核机关的完整文号",
                ),
                Some(s) => c.full_doc_no(base.key("doc_no"), s, Some(d)),
            }
            if r.findings.as_deref().is_none_or(|f| f.trim().is_empty()) {
                c.err(
                    "review",
                    base.key("findings"),
                    format!("{}没有认定意见 (findings)", paper.zh()),
                    "写明复查/复核认定的事实和理由",
                );
            }
            if paper == Paper::ReviewOpinion && r.next_body.is_none() {
                c.err(
                    "review",
                    base.key("next_body"),
                    "复查意见书须告知复核机关 (next_body)",
                    "next_body = \"…人民政府\"",
                );
            }
        }
        None => {
            if r.outcome.is_some() || r.doc_no.is_some() {
                c.err(
                    "review",
                    base.key("date"),
                    format!("有结果或文号，却没有{}日期 (date)", paper.zh()),
                    "填写意见书日期",
                );
            }
        }
    }
}

fn report_back(c: &mut Ctx) {
    let case = c.case;
    let Some(rb) = &case.report_back else {
        return;
    };
    if !case.arrival.channel.from_above() {
        c.err(
            "report-back",
            p("report_back"),
            "只有交办/转送的案件才需向交办机关报告 (report back)",
            "删除 [report_back]，或改正信访形式",
        );
    }
    match &case.handling {
        None => c.needs(
            p("report_back"),
            "处理意见 [handling]",
            "报送办理情况（须附处理意见书）",
        ),
        Some(h) => c.order(p("report_back.date"), rb.date, h.date, "处理意见书日期"),
    }
    c.not_future(p("report_back.date"), rb.date);
    c.doc_no(
        p("report_back.doc_no"),
        &rb.doc_no,
        Paper::ReportBack,
        rb.date,
        true,
    );
    c.phone(p("report_back.phone"), &Some(rb.phone.clone()));
    c.not_blank(p("report_back.signer"), &rb.signer, "签发人");
}

/// The date a served paper was issued, if the case has that paper.
fn paper_date(case: &Case, paper: Paper) -> Option<Date> {
    match paper {
        Paper::AcceptNotice => accepted(case).map(|a| a.date),
        Paper::RefuseNotice => case
            .acceptance
            .as_ref()
            .filter(|a| a.decision == Decision::Refuse)
            .map(|a| a.date),
        Paper::ExtensionNotice => case.extension().map(|e| e.notified_on),
        Paper::Opinion => case.handling.as_ref().map(|h| h.date),
        Paper::ReviewOpinion => case.review.as_ref().and_then(|r| r.date),
        Paper::ReReviewOpinion => case.re_review.as_ref().and_then(|r| r.date),
        _ => None,
    }
}

const SERVED: [Paper; 6] = [
    Paper::AcceptNotice,
    Paper::RefuseNotice,
    Paper::ExtensionNotice,
    Paper::Opinion,
    Paper::ReviewOpinion,
    Paper::ReReviewOpinion,
];

fn deliveries(c: &mut Ctx) {
    let case = c.case;
    let named: Vec<&str> = case
        .petitioners
        .iter()
        .map(|p| p.name.as_str())
        .chain(case.agents.iter().map(|a| a.name.as_str()))
        .collect();
    for (i, d) in case.deliveries.iter().enumerate() {
        let base = p("deliveries").index(i);
        if !SERVED.contains(&d.paper) {
            c.err(
                "delivery",
                base.key("paper"),
                format!(
                    "{}不是送达给信访人的文书 (not a served paper)",
                    d.paper.zh()
                ),
                "送达回证只用于告知书和意见书",
            );
            continue;
        }
        match paper_date(case, d.paper) {
            None => c.needs(
                base.key("paper"),
                &format!("{}本身", d.paper.zh()),
                &format!("送达{}", d.paper.zh()),
            ),
            Some(issued) => c.order(base.key("time"), d.time.date(), issued, "文书日期"),
        }
        c.not_future(base.key("time"), d.time.date());
        c.not_blank(base.key("place"), &d.place, "送达地点");
        c.not_blank(base.key("recipient"), &d.recipient, "签收人");
        if d.servers.is_empty() {
            c.err(
                "delivery",
                base.key("servers"),
                "送达回证须有送达人 (server)",
                "servers = [\"送达人姓名\"]",
            );
        }
        match d.method {
            Method::LeftAfterRefusal => {
                for (f, v, what) in [
                    ("witness", &d.witness, "见证人"),
                    ("refusal_reason", &d.refusal_reason, "拒收理由"),
                    ("evidence", &d.evidence, "拍照或录像记录"),
                ] {
                    if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
                        c.err(
                            "delivery",
                            base.key(f),
                            format!("留置送达须记明{what} (left-after-refusal needs {f})"),
                            "留置送达应邀请村（居）委会或单位人员见证，并拍照录像",
                        );
                    }
                }
            }
            Method::Mail
                if d.tracking_number
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty()) =>
            {
                c.err(
                    "delivery",
                    base.key("tracking_number"),
                    "邮寄送达须记录挂号信/EMS 邮件号码 (tracking number)",
                    "填写 tracking_number",
                );
            }
            _ => {}
        }
        if let Some(signed) = d.signed_on {
            c.order(
                base.key("signed_on"),
                signed,
                d.time.date(),
                "送达（寄出）日期",
            );
            c.not_future(base.key("signed_on"), signed);
        }
        let recipient_named = named.iter().any(|n| same_person(n, &d.recipient));
        if !recipient_named
            && d.method != Method::Notice
            && d.relation.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            c.err(
                "delivery",
                base.key("relation"),
                format!(
                    "签收人“{}”不是信访人或代理人，须写明与受送达人的关系 (relation)",
                    d.recipient
                ),
                "例如 relation = \"配偶\"",
            );
        }
    }
}

fn events(c: &mut Ctx) {
    let case = c.case;
    for (i, e) in case.events.iter().enumerate() {
        let base = p("events").index(i);
        c.not_future(base.key("date"), e.date);
        c.not_blank(base.key("text"), &e.text, "经过");
        if e.date < case.arrival.received {
            c.warn(
                "date-order",
                base.key("date"),
                format!(
                    "记录日期 {} 早于收到日期 {} (date order)",
                    e.date, case.arrival.received
                ),
                "登记前的接谈请在 arrival 中说明",
            );
        }
    }
}

fn close(c: &mut Ctx) {
    let case = c.case;
    let Some(cl) = &case.close else {
        return;
    };
    c.not_future(p("close.date"), cl.date);
    let latest = latest_date(case);
    if let Some((d, what)) = latest {
        if cl.date < d {
            c.err(
                "date-order",
                p("close.date"),
                format!("结案日期 {} 早于{} {} (date order)", cl.date, what, d),
                "结案应在最后一项办理事项之后",
            );
        }
    }
    let served = |p| served_on(case, p).is_some();
    let basis = p("close.basis");
    match cl.basis {
        CloseBasis::Concluded => {
            if case.handling.is_none() {
                c.needs(basis.clone(), "处理意见 [handling]", "以“办结”销号");
            }
        }
        CloseBasis::Refused => {
            let refused = case.acceptance.as_ref().map(|a| a.decision) == Some(Decision::Refuse);
            if !refused {
                c.needs(basis.clone(), "不予受理决定", "以“不予受理”销号");
            }
        }
        CloseBasis::Agreement => {
            if !case.settlement.as_ref().is_some_and(|s| s.undertaking) {
                c.needs(
                    basis.clone(),
                    "含息诉罢访承诺的协议 [settlement]",
                    "以“息诉息访协议”销号",
                );
            }
        }
        CloseBasis::FinalReview => {
            let re_reviewed = case.re_review.as_ref().and_then(|r| r.date).is_some();
            if !re_reviewed {
                c.needs(basis.clone(), "复核意见 [re_review]", "以“三级终结”销号");
            }
        }
        CloseBasis::AdminReview | CloseBasis::Court | CloseBasis::LawEnforced => {
            if cl.note.as_deref().is_none_or(|s| s.trim().is_empty()) {
                c.err(
                    "close",
                    p("close.note"),
                    format!("以“{}”销号须说明案号或处理文书 (note)", cl.basis.zh()),
                    "note 写明复议/诉讼案号或处理决定文号",
                );
            }
        }
    }
    if case.acceptance.is_none() {
        c.needs(p("close"), "受理决定 [acceptance]", "结案");
    }
    if case.awaiting_sign_off().is_some() {
        c.err(
            "close",
            p("close"),
            "处理意见尚未经领导签发，不能结案 (handling opinion not signed off)",
            "请领导先审签处理意见，处理意见书送达后再结案",
        );
    }
    for paper in SERVED {
        if paper_date(case, paper).is_some() && !served(paper) {
            c.err(
                "delivery-missing",
                p("close"),
                format!(
                    "案件已结案，但{}没有送达回证 (served paper without delivery receipt)",
                    paper.zh()
                ),
                format!("补录{}的送达记录 [[deliveries]]", paper.zh()),
            );
        }
    }
    for (key, r) in [("review", &case.review), ("re_review", &case.re_review)] {
        if r.as_ref().is_some_and(|r| r.date.is_none()) {
            c.err(
                "close",
                p(key).key("date"),
                "复查/复核尚未出具意见，不能结案 (review pending)",
                "等复查/复核意见出具并送达后再结案",
            );
        }
    }
    if case.arrival.channel.from_above() && case.report_back.is_none() && case.handling.is_some() {
        c.needs(p("close"), "办理情况报告 [report_back]", "交办案件结案");
    }
}

/// The latest dated fact recorded before close-out, and what it is.
fn latest_date(case: &Case) -> Option<(Date, &'static str)> {
    let mut all: Vec<(Date, &'static str)> = vec![(case.arrival.received, "收到日期")];
    all.extend(case.acceptance.as_ref().map(|a| (a.date, "受理决定日期")));
    all.extend(case.extension().map(|e| (e.notified_on, "延期告知日期")));
    all.extend(case.handling.as_ref().map(|h| (h.date, "处理意见书日期")));
    all.extend(case.settlement.as_ref().map(|s| (s.date, "协议日期")));
    all.extend(
        case.review
            .as_ref()
            .and_then(|r| r.date)
            .map(|d| (d, "复查意见日期")),
    );
    all.extend(
        case.re_review
            .as_ref()
            .and_then(|r| r.date)
            .map(|d| (d, "复核意见日期")),
    );
    all.extend(
        case.report_back
            .as_ref()
            .map(|r| (r.date, "办理情况报告日期")),
    );
    all.extend(
        case.deliveries
            .iter()
            .map(|d: &Delivery| (DateTime::date(d.time), "送达日期")),
    );
    all.into_iter().max_by_key(|x| x.0)
}

fn limits(c: &mut Ctx) {
    let case = c.case;
    let as_of = c.rules.as_of;
    let warn_days = i64::from(c.rules.config.calendar.warn_days);
    let closed = case.close.is_some();
    let roll = if c.rules.calendar.rolls() {
        "（末日已按节假日顺延）"
    } else {
        ""
    };
    for s in timeline(case, &c.rules.calendar) {
        match s.done {
            Some(done) if done > s.due => {
                let late = s.due.days_until(done);
                let msg = match s.actor {
                    Actor::Petitioner => format!(
                        "{}超过期限 (time limit missed)：自 {} 起{}，应于 {} 前提出，实际 {}，晚 {late} 日",
                        s.name, s.from, s.period, s.due, done
                    ),
                    _ => format!(
                        "{}超过法定期限 (statutory time limit missed)：自 {} 起{}{roll}，应于 {} 前完成，实际 {}，超期 {late} 日",
                        s.name, s.from, s.period, s.due, done
                    ),
                };
                match s.actor {
                    // The petitioner's own lateness: the reviewer may have had a
                    // legitimate reason to accept it, so it is a warning.
                    Actor::Petitioner => c.warn(
                        "time-limit",
                        s.field.clone(),
                        msg,
                        "超过申请期限的请求一般不予受理；如因正当理由受理，在 remarks 中说明",
                    ),
                    Actor::Reviewer => c.err(
                        "time-limit",
                        s.field.clone(),
                        msg,
                        "核对日期；确属超期的，在 remarks 中说明原因",
                    ),
                    Actor::Office => c.err(
                        "time-limit",
                        s.field.clone(),
                        msg,
                        "核对日期；确属超期的，须在 remarks 中说明原因并报告",
                    ),
                }
            }
            None if !closed && s.actor != Actor::Petitioner => {
                let left = as_of.days_until(s.due);
                let d = if left < 0 {
                    let hint = match s.actor {
                        Actor::Reviewer => "向复查/复核机关督办，并告知信访人；意见出具后补录日期",
                        _ => "立即办理并报告包案领导；办结后补录日期",
                    };
                    Diagnostic::error(
                        "overdue",
                        s.field.clone(),
                        format!(
                            "{}已超期 {} 日 (overdue)：自 {} 起{}{roll}，期限至 {}",
                            s.name, -left, s.from, s.period, s.due
                        ),
                    )
                    .hint(hint)
                } else if left <= warn_days {
                    Diagnostic::warning(
                        "due-soon",
                        s.field.clone(),
                        format!("{}将于 {} 到期，剩 {left} 日 (due soon)", s.name, s.due),
                    )
                    .hint("优先办理此事项")
                } else {
                    continue;
                };
                // The step's own field is still absent: place it where its period starts.
                c.out.push(d.anchor(s.start_field.clone()));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers() {
        assert_eq!(parse_doc_number("青信受字〔2026〕12号"), Ok((2026, 12)));
        assert!(parse_doc_number("青信受字〔2026〕第12号").is_err());
        assert!(parse_doc_number("青信受字[2026]12号").is_err());
        assert!(parse_doc_number("青信受字（2026）12号").is_err());
        assert!(parse_doc_number("青信受字〔2026〕012号").is_err());
        assert!(parse_doc_number("青信受字〔26〕12号").is_err());
        assert!(parse_doc_number("〔2026〕12号").is_err());
    }
}
