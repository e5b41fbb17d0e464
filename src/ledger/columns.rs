//! The ledger's columns (DOMAIN §2: 诉求内容, 分类处理情况, 具体工作措施, 包案领导,
//! 责任单位, 责任人, 处理时限, 销号 …) and the header names offices use for them.
//! The default map knows the common spellings; an office adds its own in
//! `anjuan.toml` (`[ledger.columns]`, header = field).

use std::collections::HashMap;

use super::sheet::header_key;

/// A ledger column anjuan understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    No,
    Id,
    Received,
    Channel,
    Petitioner,
    IdNumber,
    Phone,
    Address,
    Claim,
    Category,
    Class,
    Measures,
    Leader,
    Unit,
    Handler,
    Due,
    Progress,
    StruckOff,
    StruckOffDate,
    Remarks,
}

impl Field {
    pub const ALL: [Field; 20] = [
        Field::No,
        Field::Id,
        Field::Received,
        Field::Channel,
        Field::Petitioner,
        Field::IdNumber,
        Field::Phone,
        Field::Address,
        Field::Claim,
        Field::Category,
        Field::Class,
        Field::Measures,
        Field::Leader,
        Field::Unit,
        Field::Handler,
        Field::Due,
        Field::Progress,
        Field::StruckOff,
        Field::StruckOffDate,
        Field::Remarks,
    ];

    /// The ledger's own column name (also the exported header).
    pub fn zh(self) -> &'static str {
        match self {
            Field::No => "序号",
            Field::Id => "案件编号",
            Field::Received => "登记日期",
            Field::Channel => "信访形式",
            Field::Petitioner => "信访人",
            Field::IdNumber => "身份证号码",
            Field::Phone => "联系电话",
            Field::Address => "住址",
            Field::Claim => "诉求内容",
            Field::Category => "问题类别",
            Field::Class => "分类处理情况",
            Field::Measures => "具体工作措施",
            Field::Leader => "包案领导",
            Field::Unit => "责任单位",
            Field::Handler => "责任人",
            Field::Due => "处理时限",
            Field::Progress => "办理进展",
            Field::StruckOff => "销号",
            Field::StruckOffDate => "销号日期",
            Field::Remarks => "备注",
        }
    }

    /// The key used in `[ledger.columns]` (`claim`, `leader`…).
    pub fn key(self) -> &'static str {
        match self {
            Field::No => "no",
            Field::Id => "id",
            Field::Received => "received",
            Field::Channel => "channel",
            Field::Petitioner => "petitioner",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::Claim => "claim",
            Field::Category => "category",
            Field::Class => "class",
            Field::Measures => "measures",
            Field::Leader => "leader",
            Field::Unit => "unit",
            Field::Handler => "handler",
            Field::Due => "due",
            Field::Progress => "progress",
            Field::StruckOff => "struck_off",
            Field::StruckOffDate => "struck_off_date",
            Field::Remarks => "remarks",
        }
    }

    pub fn from_key(k: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == k || f.zh() == k)
    }

    /// Other spellings seen in offices' ledgers.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::No => &["编号序号", "序"],
            Field::Id => &["编号", "信访件编号", "案号"],
            Field::Received => &[
                "来信来访日期",
                "信访日期",
                "受理日期",
                "收到日期",
                "登记时间",
                "来访日期",
            ],
            Field::Channel => &["来源", "信访方式", "来信来访形式"],
            Field::Petitioner => &["信访人姓名", "姓名", "反映人"],
            Field::IdNumber => &["身份证号", "公民身份号码", "身份证"],
            Field::Phone => &["电话", "联系方式", "手机号码"],
            Field::Address => &["家庭住址", "地址", "住所"],
            Field::Claim => &["信访事项", "反映问题", "主要诉求", "诉求", "信访诉求"],
            Field::Category => &["问题分类", "类别", "事项类别"],
            Field::Class => &["分类处理", "三到位一处理", "处理分类"],
            Field::Measures => &["工作措施", "化解措施", "稳控措施"],
            Field::Leader => &["包案县级领导", "包案镇领导", "包保领导"],
            Field::Unit => &["责任部门", "承办单位"],
            Field::Handler => &["具体责任人", "承办人", "经办人"],
            Field::Due => &["办结时限", "化解时限", "时限", "完成时限"],
            Field::Progress => &["办理情况", "进展情况", "化解情况"],
            Field::StruckOff => &["是否销号", "销号情况", "销号状态"],
            Field::StruckOffDate => &["销号时间"],
            Field::Remarks => &["说明"],
        }
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
        for f in Field::ALL {
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
    pub fn with(extra: &HashMap<String, String>) -> Result<ColumnMap, String> {
        let mut m = ColumnMap::default();
        for (header, key) in extra {
            let f = Field::from_key(key).ok_or_else(|| {
                format!(
                    "[ledger.columns] “{header}” = “{key}”: 不认识的字段；可用 {}",
                    Field::ALL.map(Field::key).join("、")
                )
            })?;
            m.by_header.insert(header_key(header), f);
        }
        Ok(m)
    }

    /// The field a header names (the header as [`header_key`] normalises it).
    pub fn field(&self, header: &str) -> Option<Field> {
        self.by_header.get(header).copied()
    }
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
        let extra = HashMap::from([("化解责任领导".to_string(), "leader".to_string())]);
        assert_eq!(
            ColumnMap::with(&extra).unwrap().field("化解责任领导"),
            Some(Field::Leader)
        );
        let bad = HashMap::from([("x".to_string(), "nonsense".to_string())]);
        assert!(ColumnMap::with(&bad).unwrap_err().contains("claim"));
    }
}
