#!/usr/bin/env bash
# An office's first day, as the README's walkthrough shows it: every command a clerk, the
# archivist and the receiving office run, in order, on a new office. The walkthrough's days are
# fixed with ANJUAN_TODAY, so that its output is the same whenever it is run. Run it from an
# empty folder with `anjuan` on PATH (cargo install --path .):
#
#     mkdir /tmp/first-day && cd /tmp/first-day && bash ~/anjuan/examples/first-day.sh
#
# tests/first_day.rs runs it and checks every step.
set -euo pipefail
export ANJUAN_PASSPHRASE='柳河镇2026信访'   # the office key's passphrase, for unattended use
step() { printf '\n$ %s\n' "$*"; "$@"; }
case_file=my-office/cases/XF-2026-0003.toml

# 8月4日: the office is set up, and yesterday's letter is registered.
export ANJUAN_TODAY=2026-08-04
step anjuan init my-office
step anjuan new case my-office --channel 来信 --received 2026-08-03 \
  --petitioner 赵敏 --id-number 11010519491231002X --phone 13912345678 \
  --address 青溪县柳河镇石桥村下湾组8号 \
  --summary "信访人称下湾组村道路灯损坏三个月无人维修，夜间出行不便。" \
  --request "尽快修复下湾组村道路灯" --category 城乡建设
step anjuan deadlines my-office

# 8月10日: accepted; the notice is rendered, signed, and mailed.
export ANJUAN_TODAY=2026-08-12
cat >> "$case_file" <<'TOML'

[acceptance]
decision = "受理"
date = 2026-08-10
doc_no = 31
contact = "李敏"
contact_phone = "0571-64821234"

[responsibility]
unit = "柳河镇村镇建设办公室"
leader = "周海涛"
leader_title = "副镇长"
handler = "徐建平"
class = "解决问题到位"

[[deliveries]]
paper = "受理告知书"
method = "邮寄"
time = 2026-08-10T15:30:00
place = "柳河镇邮政所"
recipient = "赵敏"
servers = ["李敏"]
tracking_number = "XA223456789CN"
signed_on = 2026-08-12
TOML
step anjuan check my-office
step anjuan render my-office

# 9月22日: investigated, the handling opinion made and served in person.
export ANJUAN_TODAY=2026-09-22
cat >> "$case_file" <<'TOML'

[handling]
date = 2026-09-20
doc_no = 41
facts = "经查，下湾组村道路灯共8盏，其中3盏因线路老化损坏，损坏时间约三个月，属实。该路灯由石桥村村民委员会负责日常维护。"
legal_basis = ["《信访工作条例》第三十二条"]
signed_off_by = "周海涛"
review_body = "青溪县人民政府"

[[handling.investigation]]
date = 2026-08-20
place = "石桥村下湾组"
by = "徐建平"
text = "现场查看路灯及供电线路，拍照6张。"

[[handling.decisions]]
request = 1
outcome = "支持"
reason = "镇村镇建设办公室已于2026年9月15日更换线路并修复3盏路灯，并责成石桥村村民委员会每月巡查一次。"

[[deliveries]]
paper = "处理意见书"
method = "直接"
time = 2026-09-22T10:00:00
place = "青溪县柳河镇石桥村下湾组8号"
recipient = "赵敏"
servers = ["徐建平", "李敏"]
TOML
step anjuan render my-office

# 10月26日: no review was asked for within 30 days; the case is closed (销号).
export ANJUAN_TODAY=2026-10-26
cat >> "$case_file" <<'TOML'

[close]
date = 2026-10-26
basis = "办结"
note = "信访人在复查申请期内未申请复查。"
TOML
step anjuan check my-office
step anjuan render my-office

# 12月28日: the archivist packs the year; the bundle is signed with the office key.
export ANJUAN_TODAY=2026-12-28
step anjuan pack year --year 2026 my-office
step anjuan verify my-office/archive/X012-WS-2026-XFB.zip --trust my-office/keys/anjuan.pub

# The receiving archive (its own office folder and key) checks the bundle and signs a receipt.
step anjuan init --unencrypted archive-room
sed -i 's/^name = .*/name = "青溪县档案馆"/' archive-room/anjuan.toml
step anjuan receipt my-office/archive/X012-WS-2026-XFB.zip --config archive-room/anjuan.toml \
  --key archive-room/keys/anjuan.key --trust my-office/keys/anjuan.pub -o receipts

# The office checks the receipt it got back: the verdict first.
step anjuan check-receipt receipts/接收回执-X012-WS-2026-XFB.json --pub archive-room/keys/anjuan.pub \
  --bundle my-office/archive/X012-WS-2026-XFB.zip
