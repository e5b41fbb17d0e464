//! The ledger's columns (DOMAIN §2: 诉求内容, 分类处理情况, 具体工作措施, 包案领导,
//! 责任单位, 责任人, 处理时限, 销号 …) and the header names offices use for them.
//! The default map knows the common spellings; an office adds its own in
//! `anjuan.toml` (`[ledger.columns]`, header = field).

use std::collections::HashMap;

/// Declares the ledger's columns: field, config key, exported header, other
/// spellings seen in offices' ledgers, and whether the column is derived (written
/// by export from the statutory timeline, ignored by import).
macro_rules! fields {
    ($($var:ident = $key:literal, $zh:literal, [$($alias:literal),* $(,)?], $derived:literal;)+) => {
        /// A ledger column anjuan understands.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $($var),+ }

        impl Field {
            /// Every column, in the exported order.
            pub const ALL: &'static [Field] = &[$(Field::$var),+];

            /// The ledger's own column name (also the exported header).
            pub fn zh(self) -> &'static str {
                match self { $(Field::$var => $zh),+ }
            }

            /// The key used in `[ledger.columns]` (`claim`, `leader`…).
            pub fn key(self) -> &'static str {
                match self { $(Field::$var => $key),+ }
            }

            /// Other spellings seen in offices' ledgers.
            fn aliases(self) -> &'static [&'static str] {
                match self { $(Field::$var => &[$($alias),*]),+ }
            }

            /// Written by export from the case's timeline; not read back.
            pub fn derived(self) -> bool {
                match self { $(Field::$var => $derived),+ }
            }
        }
    };
}

fields! {
    No = "no", "序号", ["编号序号", "序"], false;
    Id = "id", "案件编号", ["编号", "信访件编号", "案号"], false;
    Received = "received", "登记日期",
        ["来信来访日期", "信访日期", "受理日期", "收到日期", "登记时间", "来访日期"], false;
    Channel = "channel", "信访形式", ["来源", "信访方式", "来信来访形式"], false;
    AssignBody = "assign_body", "交办机关", ["交办单位", "转送机关"], false;
    AssignNo = "assign_no", "交办文号", ["交办单号", "转送文号"], false;
    AssignDate = "assign_date", "交办日期", ["交办时间", "转送日期"], false;
    Petitioner = "petitioner", "信访人", ["信访人姓名", "姓名", "反映人"], false;
    IdNumber = "id_number", "身份证号码", ["身份证号", "公民身份号码", "身份证"], false;
    Phone = "phone", "联系电话", ["电话", "联系方式", "手机号码"], false;
    Address = "address", "住址", ["家庭住址", "地址", "住所"], false;
    Category = "category", "问题类别", ["问题分类", "类别", "事项类别"], false;
    Summary = "summary", "事项摘要", ["信访事项", "反映问题", "事由", "案由"], false;
    Claim = "claim", "诉求内容", ["主要诉求", "诉求", "信访诉求", "诉求事项"], false;
    Class = "class", "分类处理情况", ["分类处理", "三到位一处理", "处理分类"], false;
    Measures = "measures", "具体工作措施", ["工作措施", "化解措施", "稳控措施"], false;
    Leader = "leader", "包案领导", ["包案县级领导", "包案镇领导", "包保领导"], false;
    Unit = "unit", "责任单位", ["责任部门", "承办单位"], false;
    Handler = "handler", "责任人", ["具体责任人", "承办人", "经办人"], false;
    Due = "due", "处理时限", ["办结时限", "化解时限", "时限", "完成时限"], false;
    Progress = "progress", "办理进展", ["办理情况", "进展情况", "化解情况"], false;
    NextStep = "next_step", "下一法定环节", [], true;
    StatutoryDue = "statutory_due", "法定期限", [], true;
    DaysLeft = "days_left", "剩余天数", [], true;
    Status = "status", "期限状态", [], true;
    StruckOff = "struck_off", "销号", ["是否销号", "销号情况", "销号状态"], false;
    StruckOffBasis = "struck_off_basis", "销号依据", ["销号理由"], false;
    StruckOffDate = "struck_off_date", "销号日期", ["销号时间"], false;
    Remarks = "remarks", "备注", ["说明"], false;
}

impl Field {
    pub fn from_key(k: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.key() == k || f.zh() == k)
    }
}

/// Header text → field.
#[derive(Clone, Debug)]
pub struct ColumnMap {
    by_header: HashMap<String, Field>,
}

impl Default for ColumnMap {
    fn default() -> Self {
        let mut by_header = HashMap::new();
        for &f in Field::ALL {
            by_header.insert(header_key(f.zh()), f);
            for a in f.aliases() {
                by_header.insert(header_key(a), f);
            }
        }
        ColumnMap { by_header }
    }
}

impl ColumnMap {
    /// The default map plus an office's own headers (header → field key).
    pub fn with(extra: &std::collections::BTreeMap<String, String>) -> Result<ColumnMap, String> {
        let mut m = ColumnMap::default();
        for (header, key) in extra {
            let f = Field::from_key(key).ok_or_else(|| {
                format!(
                    "[ledger.columns] “{header}” = “{key}”: 不认识的字段；可用 {}",
                    Field::ALL
                        .iter()
                        .map(|f| f.key())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })?;
            m.by_header.insert(header_key(header), f);
        }
        Ok(m)
    }

    /// The field a header names (the header as [`header_key`] normalises it).
    pub fn field(&self, header: &str) -> Option<Field> {
        if let Some(f) = self.by_header.get(header) {
            return Some(*f);
        }
        // `身份证号码（必填）`, `处理时限(天)`: a note in brackets after the name.
        let base = header
            .strip_suffix(['）', ')'])
            .and_then(|h| h.rfind(['（', '(']).map(|i| &h[..i]))?;
        self.by_header.get(base).copied()
    }
}

/// Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) to half-width,
/// ideographic and non-breaking spaces to spaces; trimmed. Chinese punctuation
/// (，：（）) is text and stays as typed.
pub fn normalize(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' | '\u{00A0}' => ' ',
            c => c,
        })
        .collect();
    mapped.trim().to_string()
}

/// A header as compared with the column map: normalised, without any spaces
/// or line breaks (`处理\n时限`, `包 案 领 导`).
pub fn header_key(s: &str) -> String {
    normalize(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_map_knows_the_ledger_columns_and_office_headers_extend_it() {
        let m = ColumnMap::default();
        for (h, f) in [
            ("诉求内容", Field::Claim),
            ("分类处理情况", Field::Class),
            ("具体工作措施", Field::Measures),
            ("包案领导", Field::Leader),
            ("责任单位", Field::Unit),
            ("责任人", Field::Handler),
            ("处理时限", Field::Due),
            ("销号", Field::StruckOff),
            ("是否销号", Field::StruckOff),
        ] {
            assert_eq!(m.field(&header_key(h)), Some(f), "{h}");
        }
        assert_eq!(m.field("年龄"), None);
        let extra =
            std::collections::BTreeMap::from([("化解责任领导".to_string(), "leader".to_string())]);
        assert_eq!(
            ColumnMap::with(&extra).unwrap().field("化解责任领导"),
            Some(Field::Leader)
        );
        let bad = std::collections::BTreeMap::from([("x".to_string(), "nonsense".to_string())]);
        assert!(ColumnMap::with(&bad).unwrap_err().contains("claim"));
    }
}
