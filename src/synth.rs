//! Synthetic but realistic case records, for benchmarks and load tests.
//!
//! Deterministic (seeded): the same `(seed, n)` always gives the same cases. Each
//! case follows one of the demo office's shapes (simple, refused, assigned,
//! collective with hearing and agreement, reviewed to final, extended and
//! closed, extended and still being handled) with its
//! own people, places, dates and numbers, and passes `anjuan check`.

use crate::case::date::{Date, DateTime};
use crate::case::model::*;

/// The received original every synthetic review, re-review and assignment names:
/// a small stand-in scan, written by `anjuan synth` beside the cases.
pub const ORIGINAL: &str = "originals/synthetic-original.png";

/// The bytes of [`ORIGINAL`]: a small valid greyscale PNG.
pub fn original_png() -> Vec<u8> {
    crate::case::original::stand_in_png(170, 240)
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "邵", "楼", "钟", "陶", "叶",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "桂英", "志强", "丽华", "海涛", "国平", "晓燕", "根土", "金花", "建平", "文斌",
    "玉兰", "永明", "春梅", "德胜", "喆", "堃", "昇", "赟", "玥", "翀", "淼", "俊杰", "红霞",
    "立群", "美娟", "国华", "家豪", "雨萱",
];
const VILLAGES: &[&str] = &[
    "石桥村",
    "新塘村",
    "柳河村",
    "上塘村",
    "枫林村",
    "溪口村",
    "后山村",
    "东岙村",
    "下街村",
    "青龙村",
];
/// The demo office's responsible units, leaders and handlers (also the ledger
/// benchmark's, so its rows name the same people).
pub const UNITS: &[&str] = &[
    "柳河镇村镇建设办公室",
    "柳河镇农业农村办公室",
    "柳河镇社会事务办公室",
    "柳河镇综合行政执法队",
    "柳河镇自然资源所",
    "柳河镇生态环境办公室",
];
pub const LEADERS: &[&str] = &["周海涛", "孙丽华", "陈志远"];
pub const HANDLERS: &[&str] = &["徐建平", "何文斌", "沈立群", "郭永明", "林春梅"];

struct Matter3 {
    category: &'static str,
    summary: &'static str,
    requests: [&'static str; 2],
    facts: &'static str,
    outcomes: [Outcome; 2],
}

const MATTERS: &[Matter3] = &[
    Matter3 {
        category: "城乡建设",
        summary: "村道排水沟长期堵塞，连续降雨后雨水倒灌，致信访人房屋一楼进水，部分家具、粮食受损。",
        requests: ["尽快疏通村道排水沟，防止再次进水", "赔偿房屋进水造成的家具、粮食损失"],
        facts: "经查，该排水沟全长约三百米，因上游建房弃土和枯枝淤积，部分沟段过水断面不足三成。连续降雨期间雨水漫过路面流入信访人房屋，积水深约十五厘米。该排水沟由村民委员会负责日常维护。",
        outcomes: [Outcome::Support, Outcome::Explain],
    },
    Matter3 {
        category: "农村农业",
        summary: "信访人反映其承包地被邻户占用种植苗木，多次协商未果，要求恢复承包地原状。",
        requests: ["责令邻户退还被占用的承包地", "重新测量确认承包地四至界址"],
        facts: "经查，信访人家庭承包地一点二亩，二〇一九年确权登记颁证。邻户在东侧地块种植苗木，越过界址约零点一五亩。村民委员会组织双方现场指界，邻户承认越界种植。",
        outcomes: [Outcome::Support, Outcome::Support],
    },
    Matter3 {
        category: "劳动社保",
        summary: "信访人在村道硬化工程中务工四个月，包工头拖欠工资，要求督促支付。",
        requests: ["督促施工单位支付拖欠的工资", "追究包工头的法律责任"],
        facts: "经查，信访人于上年参与村道硬化工程施工，由包工头招用，工程总承包单位为某建设公司。经核对考勤记录和工资发放表，尚欠信访人工资一万二千元。",
        outcomes: [Outcome::Support, Outcome::Explain],
    },
    Matter3 {
        category: "民政",
        summary: "信访人家庭最低生活保障被停发，认为家庭困难情况未变，要求恢复低保待遇。",
        requests: ["恢复家庭最低生活保障待遇", "补发停发期间的低保金"],
        facts: "经查，信访人家庭在年度复核中因家庭成员名下登记有机动车一辆，被停发低保。经入户核查，该车辆已于二〇二一年报废，登记信息未及时注销，家庭人均收入低于当地低保标准。",
        outcomes: [Outcome::Support, Outcome::Support],
    },
    Matter3 {
        category: "生态环境",
        summary: "信访人反映附近养猪场污水直排，污染其鱼塘，鱼苗大量死亡，夜间风机噪声扰民。",
        requests: ["责令养猪场停止直排污水", "赔偿鱼塘损失"],
        facts: "经查，该养猪场存栏生猪约四百头，沼液池容量不足，雨季存在溢流。生态环境部门现场采样，出水化学需氧量超过排放标准。夜间厂界噪声监测值超过标准限值。",
        outcomes: [Outcome::Support, Outcome::Reject],
    },
    Matter3 {
        category: "自然资源",
        summary: "信访人申请宅基地建房，材料已提交半年仍未审批，要求尽快办理。",
        requests: ["尽快审批宅基地建房申请", "说明审批程序和办理时限"],
        facts: "经查，信访人于上年十月向村民委员会提交宅基地申请，村民代表会议已通过。因拟用地块涉及永久基本农田调整，需待国土空间规划批准后方可审批。",
        outcomes: [Outcome::Explain, Outcome::Support],
    },
];

/// A tiny deterministic generator (xorshift64*), so benchmarks need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A GB 11643-valid identity number for a birth date and sex.
pub fn id_number(rng: &mut Rng, birth: Date, male: bool) -> String {
    let seq = rng.below(500) * 2 + usize::from(male);
    let body = format!("330122{}{:03}", birth.compact(), seq);
    let check = crate::case::idnum::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn person(rng: &mut Rng, village: &str) -> Petitioner {
    let male = rng.below(2) == 0;
    let birth = Date::from_ymd(
        1950 + rng.below(50) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .expect("valid");
    Petitioner {
        name: format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        sex: Some(if male { Sex::Male } else { Sex::Female }),
        id_type: IdType::Resident,
        id_number: Some(id_number(rng, birth, male)),
        phone: Some(format!(
            "1{}{:09}",
            [3, 5, 8, 9][rng.below(4)],
            rng.next_u64() % 1_000_000_000
        )),
        address: Some(format!("青溪县柳河镇{village}{}号", 1 + rng.below(80))),
        employer: None,
        representative: false,
    }
}

/// `n` cases numbered from `XF-{year}-{start}` in office `cfg`'s numbering.
/// Case `i` gets serials that never collide with another case's.
pub fn cases(seed: u64, n: usize, year: i32) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..n).map(|i| one(&mut rng, i, year)).collect()
}

fn one(rng: &mut Rng, i: usize, year: i32) -> Case {
    let village = rng.pick(VILLAGES);
    let m = &MATTERS[rng.below(MATTERS.len())];
    let shape = i % 6;
    let start = Date::from_ymd(year, 1, 5)
        .expect("valid")
        .add_days(rng.below(120) as i64);
    let received = start;
    let accepted = received.add_days(3 + rng.below(10) as i64);
    let handled = accepted.add_days(20 + rng.below(35) as i64);
    let served = DateTime(
        handled
            .add_days(2)
            .0
            .and_hms_opt(9 + rng.below(8) as u32, rng.below(60) as u32, 0)
            .expect("valid"),
    );
    let serial = (i + 1) as u32;
    let mut petitioners = vec![person(rng, village)];
    let leader = rng.pick(LEADERS).to_string();
    let handler = rng.pick(HANDLERS).to_string();
    let name0 = petitioners[0].name.clone();
    let address0 = petitioners[0].address.clone().unwrap_or_default();
    let deliver = |paper, time: DateTime, place: &str, recipient: &str| Delivery {
        paper,
        method: Method::InPerson,
        time,
        place: place.to_string(),
        recipient: recipient.to_string(),
        relation: None,
        servers: vec![handler.clone(), "李敏".into()],
        witness: None,
        refusal_reason: None,
        evidence: None,
        tracking_number: None,
        signed_on: None,
        remarks: None,
    };
    let at = |d: Date, h: u32| DateTime(d.0.and_hms_opt(h, 30, 0).expect("valid"));
    let mut case = Case {
        id: format!("XF-{year}-{:05}", i + 1),
        year: Some(year),
        office: None,
        title: Some(format!("{name0}反映{}问题", m.requests[0].trim_start_matches("尽快").chars().take(14).collect::<String>())),
        arrival: Arrival {
            channel: [Channel::Letter, Channel::Visit, Channel::Online, Channel::Phone][rng.below(4)],
            received,
            registry_no: Some(format!("330122-{year}-{:06}", 100 + i)),
            assignment: None,
            registered_by: None,
        },
        petitioners: Vec::new(),
        collective: None,
        agents: Vec::new(),
        matter: Matter {
            summary: m.summary.to_string(),
            requests: m.requests.iter().map(|s| s.to_string()).collect(),
            category: m.category.to_string(),
            place: Some(format!("青溪县柳河镇{village}")),
        },
        acceptance: Some(Acceptance {
            decision: Decision::Accept,
            date: accepted,
            doc_no: Some(DocNo::Serial(serial)),
            contact: Some("李敏".into()),
            contact_phone: Some("0571-64821234".into()),
            reason_kind: None,
            reason: None,
            legal_basis: None,
            redirect_to: None,
        }),
        objection: None,
        responsibility: Some(Responsibility {
            unit: rng.pick(UNITS).to_string(),
            leader: leader.clone(),
            leader_title: Some("副镇长".into()),
            handler: handler.clone(),
            handler_phone: Some("13857163052".into()),
            team: vec![handler.clone()],
            class: Some(Class::Solve),
            measures: Some("现场核查，约谈相关当事人，协调有关部门依法处理。".into()),
            due: None,
            progress: None,
        }),
        extension: None,
        handling: Some(Handling {
            procedure: Procedure::Ordinary,
            date: handled,
            doc_no: Some(DocNo::Serial(serial)),
            facts: m.facts.to_string(),
            investigation: vec![Investigation {
                date: accepted.add_days(3),
                place: Some(format!("{village}村民委员会")),
                by: Some(handler.clone()),
                text: "现场查看，询问村委会负责人和相邻农户，调取有关台账，拍照留存。".into(),
            }],
            legal_basis: vec!["《信访工作条例》第三十二条".into()],
            decisions: m
                .outcomes
                .iter()
                .enumerate()
                .map(|(k, o)| RequestDecision {
                    request: k as u32 + 1,
                    outcome: *o,
                    reason: match o {
                        Outcome::Support => "经核实，该项请求事实清楚，符合有关规定，予以支持，由责任单位限期落实。".into(),
                        Outcome::Explain => "该项请求事由合理但缺乏法律依据，已向信访人解释说明，并告知其可通过协商或诉讼途径解决。".into(),
                        Outcome::Reject => "该项请求缺乏事实根据，不符合有关规定，不予支持。".into(),
                    },
                })
                .collect(),
            signed_off_by: leader.clone(),
            signed_off_on: None,
            review_body: "青溪县人民政府".into(),
            extension: None,
        }),
        hearing: None,
        settlement: None,
        review: None,
        re_review: None,
        report_back: None,
        deliveries: vec![
            deliver(Paper::AcceptNotice, at(accepted.add_days(1), 10), &address0, &name0),
            deliver(Paper::Opinion, served, &address0, &name0),
        ],
        events: vec![Event {
            date: accepted.add_days(3),
            kind: "走访".into(),
            text: "承办人到信访人家中了解情况。".into(),
            by: Some(handler.clone()),
        }],
        close: Some(Close {
            date: served.date().add_days(35),
            basis: CloseBasis::Concluded,
            note: None,
        }),
        retention: None,
        classification: None,
        remarks: None,
        incoming: Vec::new(),
    };
    match shape {
        1 => {
            // Refused: a civil dispute for the courts.
            case.acceptance = Some(Acceptance {
                decision: Decision::Refuse,
                date: accepted,
                doc_no: Some(DocNo::Serial(serial)),
                contact: Some("李敏".into()),
                contact_phone: Some("0571-64821234".into()),
                reason_kind: Some(RefusalKind::OtherProcedure),
                reason: Some("该事项属于民事纠纷，应当通过民事诉讼途径解决。".into()),
                legal_basis: Some("《中华人民共和国民事诉讼法》第三条".into()),
                redirect_to: Some("青溪县人民法院".into()),
            });
            case.responsibility = None;
            case.handling = None;
            case.deliveries = vec![deliver(
                Paper::RefuseNotice,
                at(accepted.add_days(1), 10),
                &address0,
                &name0,
            )];
            case.close = Some(Close {
                date: accepted.add_days(5),
                basis: CloseBasis::Refused,
                note: None,
            });
        }
        2 => {
            // Assigned from the county, with a report back.
            case.arrival.channel = Channel::Assigned;
            case.arrival.assignment = Some(Assignment {
                body: "青溪县信访局".into(),
                number: format!("青信交〔{year}〕{}号", serial),
                date: received.add_days(-1),
                instructions: Some("请依法调查处理，并于规定期限内报送办理情况。".into()),
                report_due: Some(handled.add_days(20)),
                channel: Some(Channel::Online),
                original: Some(ORIGINAL.into()),
            });
            case.report_back = Some(ReportBack {
                date: handled.add_days(5),
                doc_no: Some(DocNo::Serial(serial)),
                signer: "陈志远".into(),
                contact: "李敏".into(),
                phone: "0571-64821234".into(),
            });
        }
        3 => {
            // Collective, with a hearing and a cease-petitioning agreement.
            let headcount = 10 + rng.below(30) as u32;
            petitioners.extend((0..3).map(|_| person(rng, village)));
            for p in petitioners.iter_mut().take(3) {
                p.representative = true;
            }
            case.collective = Some(Collective {
                headcount,
                group: Some(format!("{village}部分村民")),
            });
            let reps: Vec<String> = petitioners.iter().take(3).map(|p| p.name.clone()).collect();
            let hstart = accepted.add_days(15);
            let mut participants = vec![
                Participant {
                    role: Role::Presiding,
                    name: "沈立群".into(),
                    unit: Some("柳河镇司法所".into()),
                },
                Participant {
                    role: Role::Member,
                    name: "郑国平".into(),
                    unit: None,
                },
                Participant {
                    role: Role::Member,
                    name: "吴晓燕".into(),
                    unit: None,
                },
            ];
            participants.extend(reps.iter().map(|r| Participant {
                role: Role::Petitioner,
                name: r.clone(),
                unit: None,
            }));
            participants.push(Participant {
                role: Role::Handler,
                name: handler.clone(),
                unit: None,
            });
            participants.push(Participant {
                role: Role::Recorder,
                name: "李敏".into(),
                unit: None,
            });
            if handler == "沈立群" {
                participants[0].name = "郭永明".into();
            }
            case.hearing = Some(Hearing {
                stage: Stage::Handling,
                start: at(hstart, 9),
                end: at(hstart, 11),
                place: "柳河镇人民政府三楼会议室".into(),
                participants,
                minutes: vec![
                    Minute { speaker: "主持人".into(), text: "现在开始听证。核对参加人身份，宣布听证纪律，告知各方权利义务，询问是否申请回避。".into() },
                    Minute { speaker: reps[0].clone(), text: "不申请回避。陈述诉求和理由，出示照片和收据。".into() },
                    Minute { speaker: handler.clone(), text: "介绍调查核实的事实、证据、依据和处理建议。".into() },
                    Minute { speaker: "主持人".into(), text: "各方质证、辩论，作最后陈述。听证员发表意见。".into() },
                ],
                conclusion: "经评议，信访人反映的主要事实基本属实，建议由责任单位限期整改，并依法给予补偿。".into(),
            });
            case.settlement = Some(Settlement {
                kind: SettlementKind::Cease,
                date: hstart.add_days(5),
                doc_no: Some(DocNo::Serial(serial)),
                parties: vec![
                    Party {
                        side: "甲方".into(),
                        name: "青溪县柳河镇人民政府".into(),
                        id_number: None,
                        address: Some("青溪县柳河镇人民路18号".into()),
                        representative: Some(leader.clone()),
                    },
                    Party {
                        side: "乙方".into(),
                        name: reps[0].clone(),
                        id_number: petitioners[0].id_number.clone(),
                        address: petitioners[0].address.clone(),
                        representative: None,
                    },
                ],
                facts: m.summary.to_string(),
                terms: vec![
                    "甲方督促责任单位于三十日内完成整改。".into(),
                    "甲方协调给予乙方一次性补偿。".into(),
                    "乙方对本事项息诉罢访，不再就同一事实和理由信访。".into(),
                ],
                performance: "补偿款于协议签订后十五日内一次性支付。".into(),
                breach: "一方违约的，另一方可依法主张权利。".into(),
                undertaking: true,
                copies: 3,
                witnesses: vec![],
            });
            if let Some(c) = &mut case.close {
                c.basis = CloseBasis::Agreement;
            }
        }
        4 => {
            // Reviewed and re-reviewed to final.
            let req = served.date().add_days(10);
            let rdate = req.add_days(20);
            let rserved = DateTime(rdate.add_days(2).0.and_hms_opt(10, 0, 0).expect("valid"));
            let rr = rserved.date().add_days(10);
            let rrdate = rr.add_days(20);
            let rrserved = DateTime(rrdate.add_days(2).0.and_hms_opt(10, 0, 0).expect("valid"));
            case.review = Some(Review {
                requested_on: req,
                body: "青溪县人民政府".into(),
                requests: vec!["撤销原处理意见".into()],
                date: Some(rdate),
                doc_no: Some(format!("青政信复查〔{}〕{}号", rdate.year(), serial)),
                outcome: Some(ReviewOutcome::Uphold),
                findings: Some("原处理意见认定事实清楚，适用依据正确，程序合法，予以维持。".into()),
                legal_basis: vec!["《信访工作条例》".into()],
                next_body: Some("江州市人民政府".into()),
                hearing_days: 0,
                original: Some(ORIGINAL.into()),
            });
            case.re_review = Some(Review {
                requested_on: rr,
                body: "江州市人民政府".into(),
                requests: vec!["撤销复查意见".into()],
                date: Some(rrdate),
                doc_no: Some(format!("江政信复核〔{}〕{}号", rrdate.year(), serial)),
                outcome: Some(ReviewOutcome::Uphold),
                findings: Some("复查意见认定事实清楚，处理适当，予以维持。".into()),
                legal_basis: vec!["《信访工作条例》".into()],
                next_body: None,
                hearing_days: 0,
                original: Some(ORIGINAL.into()),
            });
            case.deliveries
                .push(deliver(Paper::ReviewOpinion, rserved, &address0, &name0));
            case.deliveries
                .push(deliver(Paper::ReReviewOpinion, rrserved, &address0, &name0));
            case.close = Some(Close {
                date: rrserved.date().add_days(5),
                basis: CloseBasis::FinalReview,
                note: None,
            });
        }
        5 if (i / 6) % 2 == 1 => {
            // Still being handled, extended by 20–30 days: received in September,
            // the extension approved near the end of the 60 days, the notice
            // served; no opinion yet (as of late November of the year).
            let received = Date::from_ymd(year, 9, 10)
                .expect("valid")
                .add_days(rng.below(10) as i64);
            let accepted = received.add_days(3 + rng.below(10) as i64);
            let approved = accepted.add_days(50);
            let notified = approved.add_days(1);
            case.arrival.received = received;
            if let Some(a) = &mut case.acceptance {
                a.date = accepted;
            }
            case.extension = Some(Extension {
                days: 20 + rng.below(11) as u32,
                approved_by: Some("陈志远".into()),
                approved_on: Some(approved),
                reason: "需待有关部门出具检测结论后方能作出处理意见，无法在六十日内办结。".into(),
                notified_on: Some(notified),
                doc_no: Some(DocNo::Serial(serial)),
            });
            case.handling = None;
            case.close = None;
            case.events = vec![Event {
                date: approved,
                kind: "延期审批".into(),
                text: "承办人提交延期申请，镇长陈志远批准延长办理期限。".into(),
                by: Some(handler.clone()),
            }];
            case.deliveries = vec![
                deliver(
                    Paper::AcceptNotice,
                    at(accepted.add_days(1), 10),
                    &address0,
                    &name0,
                ),
                deliver(Paper::ExtensionNotice, at(notified, 15), &address0, &name0),
            ];
        }
        5 => {
            // Extended by 30 days, then handled and closed.
            let approved = accepted.add_days(55);
            let notified = approved.add_days(1);
            let handled = accepted.add_days(80);
            let served = DateTime(handled.add_days(2).0.and_hms_opt(10, 0, 0).expect("valid"));
            if let Some(h) = &mut case.handling {
                h.date = handled;
            }
            case.extension = Some(Extension {
                days: 30,
                approved_by: Some("陈志远".into()),
                approved_on: Some(approved),
                reason: "需待有关部门出具检测结论后方能作出处理意见。".into(),
                notified_on: Some(notified),
                doc_no: Some(DocNo::Serial(serial)),
            });
            case.deliveries = vec![
                deliver(
                    Paper::AcceptNotice,
                    at(accepted.add_days(1), 10),
                    &address0,
                    &name0,
                ),
                deliver(Paper::ExtensionNotice, at(notified, 15), &address0, &name0),
                deliver(Paper::Opinion, served, &address0, &name0),
            ];
            if let Some(c) = &mut case.close {
                c.date = served.date().add_days(35);
            }
        }
        _ => {}
    }
    case.petitioners = petitioners;
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{validate, Rules};
    use crate::config::Config;

    #[test]
    fn synthetic_cases_are_valid_and_deterministic() {
        let text = include_str!("../examples/demo-office/anjuan.toml");
        let cfg: Config = toml::from_str(text).unwrap();
        let rules = Rules {
            config: &cfg,
            config_is_real: true,
            calendar: cfg.calendar(),
            as_of: Date::from_ymd(2026, 11, 21).unwrap(),
            root: None,
        };
        let a = cases(7, 60, 2026);
        for c in &a {
            let errors: Vec<_> = validate::validate(c, &rules)
                .into_iter()
                .filter(|d| d.is_error())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", c.id);
        }
        let b = cases(7, 60, 2026);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
