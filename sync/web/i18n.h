/*
** i18n.h — every word of the admin console in Chinese (the default) and
** English.  One list, I18N_MESSAGES, holds both texts of each message, so
** neither language can miss one.  A text may hold one "%s", filled by
** i18n_fmt() (escaped for HTML).
*/
#ifndef SW_I18N_H
#define SW_I18N_H

#include "sw.h"
#include "table.h"

enum i18n_lang { LANG_ZH = 0, LANG_EN = 1 };

/* clang-format off */
#define I18N_MESSAGES(X)                                                       \
    X(M_APP, "社工站个案数据 · 县级管理台", "Case records · county console")     \
    X(M_NAV_STATIONS, "站点", "Stations")                                      \
    X(M_NAV_CONFLICTS, "冲突", "Conflicts")                                    \
    X(M_NAV_RECORDS, "个案查询", "Case lookup")                                \
    X(M_NAV_AUDIT, "审计日志", "Audit trail")                                  \
    X(M_NAV_REPORT, "报表", "Report")                                          \
    X(M_NAV_FOLLOWUP, "跟进与转介", "Follow-ups")                              \
    X(M_NAV_RESOURCES, "资源目录", "Resources")                                \
    X(M_FOLLOWUP_TITLE, "跟进与转介", "Follow-ups and referrals")              \
    X(M_OVERDUE_TITLE, "逾期未跟进（%s）", "Overdue on %s")                      \
    X(M_OVD_VISITS, "逾期走访", "Visits overdue")                              \
    X(M_OVD_REFERRALS, "逾期转介跟进", "Referral follow-ups overdue")          \
    X(M_OVD_HIGH, "30 天未走访的高风险个案", "High-risk, not visited for 30 days") \
    X(M_FIG_TITLE, "转介情况", "Referrals")                                    \
    X(M_FIG_OPEN, "未办结", "Open")                                            \
    X(M_FIG_OVERDUE, "其中逾期", "Overdue")                                    \
    X(M_FIG_COMPLETED, "期内完成", "Completed")                                \
    X(M_FIG_DECLINED, "期内未成功", "Declined")                                \
    X(M_FIG_RATE, "成功率", "Outcome rate")                                    \
    X(M_FIG_FROM, "从", "From")                                                \
    X(M_FIG_TO, "到", "To")                                                    \
    X(M_FIG_SHOW, "查看", "Show")                                              \
    X(M_RESOURCES_TITLE, "资源目录", "Resource directory")                     \
    X(M_RESOURCES_HELP, "各站点同步后只读使用，转介时从中选择。", "Every station receives it read-only and refers cases to it.") \
    X(M_RESOURCES_NONE, "目录还是空的。", "The directory is empty.")           \
    X(M_RESOURCE_ADD, "添加资源", "Add a resource")                            \
    X(M_RESOURCE_ADDED, "资源已添加，各站点下次同步时收到。", "Added: every station gets it at its next sync.") \
    X(M_RESOURCE_DELETE, "删除", "Delete")                                     \
    X(M_RESOURCE_DELETED, "资源已删除。", "The resource is deleted.")          \
    X(M_REPORT_TITLE, "月度报表", "Monthly report")                            \
    X(M_REPORT_ALL, "全部站点", "All stations")                                \
    X(M_ACT_EXPORT, "导出", "export")                                          \
    X(M_ACT_REPORT, "报表", "report")                                          \
    X(M_LOGOUT, "退出登录", "Log out")                                         \
    X(M_SIGNED_IN_AS, "当前用户：", "Signed in as ")                           \
    X(M_LANG_OTHER, "English", "中文")                                         \
    X(M_LANG_OTHER_TITLE, "Switch to English", "切换到中文")                   \
    X(M_COUNTY, "县代码", "County")                                            \
    X(M_FOOTER, "时间均为服务器本地时间。", "Times are the server's local time.") \
    X(M_LOGIN_TITLE, "管理员登录", "Admin log in")                             \
    X(M_USER, "用户名", "User name")                                           \
    X(M_PASSWORD, "密码", "Password")                                          \
    X(M_LOGIN_BUTTON, "登录", "Log in")                                        \
    X(M_LOGIN_FAILED, "用户名或密码错误。", "Wrong user name or password.")    \
    X(M_LOGIN_THROTTLED, "登录失败次数过多，请在 %s 秒后再试。",                \
      "Too many failed logins: try again in %s seconds.")                     \
    X(M_SESSION_EXPIRED, "会话已过期，请重新登录。",                           \
      "Your session has expired: please log in again.")                       \
    X(M_LOGIN_NEEDED, "请先登录。", "Please log in.")                          \
    X(M_LOGGED_OUT, "已退出登录。", "You have logged out.")                    \
    X(M_STATIONS_TITLE, "站点与同步状态", "Stations and sync health")          \
    X(M_COL_STATION, "站点", "Station")                                        \
    X(M_COL_NAME, "名称", "Name")                                              \
    X(M_COL_DEVICE, "设备", "Device")                                          \
    X(M_COL_SITE, "副本标识", "Site id")                                       \
    X(M_COL_LAST_SYNC, "最近同步", "Last sync")                                \
    X(M_COL_LAST_SEEN, "最近联系", "Last contact")                             \
    X(M_COL_LAST_ERROR, "最近错误", "Last error")                              \
    X(M_COL_OPEN_CONFLICTS, "未解决冲突", "Open conflicts")                    \
    X(M_COL_SKEW, "时钟偏差", "Clock skew")                                    \
    X(M_COL_AGENT, "客户端版本", "Agent version")                              \
    X(M_COL_STATE, "状态", "State")                                            \
    X(M_STATE_OK, "正常", "OK")                                                \
    X(M_STATE_STALE, "超过一天未同步", "Not synced for over a day")            \
    X(M_STATE_NEVER, "尚未同步", "Never synced")                               \
    X(M_STATE_ERROR, "出错", "Error")                                          \
    X(M_STATE_REVOKED, "已吊销", "Revoked")                                    \
    X(M_NEVER, "从未", "never")                                                \
    X(M_NO_STATIONS, "还没有登记任何站点。", "No station is enrolled yet.")    \
    X(M_STALE_SUMMARY, "注意：%s 个副本超过一天未同步。",                      \
      "Note: %s replica(s) have not synced for over a day.")                  \
    X(M_CLAMPED, "被校正的版本", "clamped versions")                           \
    X(M_MANAGE_TITLE, "站点管理", "Manage stations")                           \
    X(M_ENROL_TITLE, "登记新站点", "Enrol a station")                          \
    X(M_ENROL_CODE, "站点代码", "Station code")                                \
    X(M_ENROL_NAME, "站点名称", "Station name")                                \
    X(M_ENROL_BUTTON, "登记", "Enrol")                                         \
    X(M_TOKEN_TITLE, "新增副本（新令牌）", "New replica (new token)")          \
    X(M_TOKEN_DEVICE, "设备名（可选，如 laptop）", "Device name (optional, e.g. laptop)") \
    X(M_TOKEN_BUTTON, "生成令牌", "Make a token")                              \
    X(M_REVOKE_TITLE, "吊销副本", "Revoke replicas")                           \
    X(M_REVOKE_DEVICE, "设备名（留空：该站点全部副本）",                       \
      "Device (empty: every replica of the station)")                         \
    X(M_REVOKE_BUTTON, "吊销", "Revoke")                                       \
    X(M_REVOKE_CONFIRM, "确定吊销吗？被吊销的副本将无法再同步。",              \
      "Revoke? A revoked replica can no longer sync.")                        \
    X(M_TOKEN_SHOWN, "请立即复制此令牌交给站点：它只显示这一次，服务器只保存其摘要。", \
      "Copy this token now and give it to the station: it is shown only this once, and the server keeps only its hash.") \
    X(M_STATION_ENROLLED, "站点 %s 已登记（设备 main）。",                     \
      "Station %s is enrolled (device main).")                                \
    X(M_TOKEN_MADE, "已新增副本，设备名：%s。", "New replica, device %s.")     \
    X(M_CODE_TITLE, "一次性登记码（二维码）", "One-time enrolment code (QR)")  \
    X(M_CODE_EXPIRES, "有效期", "Valid for")                                   \
    X(M_CODE_1H, "1 小时", "1 hour")                                           \
    X(M_CODE_24H, "24 小时", "24 hours")                                       \
    X(M_CODE_7D, "7 天", "7 days")                                             \
    X(M_CODE_BUTTON, "生成登记码", "Make a code")                              \
    X(M_CODE_MADE, "已生成登记码，设备名：%s。", "Enrolment code made, device %s.") \
    X(M_CODE_SHOWN, "登记码只能用一次，只在此显示一次，服务器只保存其摘要。在站点电脑上运行下面的命令，或用手机扫描二维码得到同一条命令。", \
      "The code works once and is shown only this once; the server keeps only its hash. On the station's PC run the command below, or scan the QR code for the same command.") \
    X(M_CODE_LABEL, "登记码", "Enrolment code")                                \
    X(M_CODE_VALID_UNTIL, "有效至", "Valid until")                             \
    X(M_CODE_COMMAND, "站点电脑上运行的命令", "Command for the station's PC")  \
    X(M_CODE_QR, "登记命令的二维码", "QR code of the enrolment command")      \
    X(M_ERR_EXPIRES, "有效期无效：请选择 1 小时、24 小时或 7 天。",            \
      "Not a valid period: choose 1 hour, 24 hours or 7 days.")               \
    X(M_ERR_HOST, "无法确定服务器地址：请求的 Host 无效。",                    \
      "Cannot tell the server's address: the request's Host is not valid.")   \
    X(M_REVOKED_N, "本次吊销了 %s 个副本。", "%s replica(s) revoked.")         \
    X(M_BACK, "返回", "Back")                                                  \
    X(M_CHOOSE_STATION, "选择站点", "Choose a station")                        \
    X(M_ERR_STATION_CODE, "站点代码无效：1–32 个字母、数字或 _ . -，不能以 - 或 . 开头。", \
      "Not a valid station code: 1-32 letters, digits or _ . -, not starting with - or .") \
    X(M_ERR_STATION_NAME, "站点名称太长（最多 200 字节）。",                   \
      "The station name is too long (at most 200 bytes).")                    \
    X(M_ERR_DEVICE, "设备名无效：1–32 个字母、数字或 _ . -。",                 \
      "Not a valid device name: 1-32 letters, digits or _ . -")               \
    X(M_ERR_STATION_EXISTS, "该站点已登记。", "This station is already enrolled.") \
    X(M_ERR_DEVICE_EXISTS, "该站点已有同名设备，请换一个设备名。",             \
      "The station already has a device of that name: choose another.")       \
    X(M_ERR_NO_STATION, "没有该站点或设备。", "No such station or device.")    \
    X(M_CONFLICTS_TITLE, "冲突", "Conflicts")                                  \
    X(M_FILTER_STATION, "站点", "Station")                                     \
    X(M_FILTER_TABLE, "记录类型", "Record type")                               \
    X(M_FILTER_STATUS, "状态", "Status")                                       \
    X(M_ALL, "全部", "All")                                                    \
    X(M_STATUS_OPEN, "未解决", "Open")                                         \
    X(M_STATUS_RESOLVED, "已解决", "Resolved")                                 \
    X(M_FILTER_BUTTON, "筛选", "Filter")                                       \
    X(M_TABLE_CASES, "个案", "Case")                                           \
    X(M_TABLE_VISITS, "走访", "Visit")                                         \
    X(M_TABLE_SERVICES, "服务记录", "Service")                                 \
    X(M_TABLE_REFERRALS, "转介", "Referral")                                   \
    X(M_TABLE_RESOURCES, "资源目录", "Resource")                               \
    X(M_COL_ID, "编号", "No.")                                                 \
    X(M_COL_RECORD, "记录", "Record")                                          \
    X(M_COL_FIELD, "字段", "Field")                                            \
    X(M_COL_CURRENT, "当前值", "Current value")                                \
    X(M_COL_OTHER, "另一值", "Other value")                                    \
    X(M_COL_DETECTED, "发现时间", "Detected")                                  \
    X(M_COL_STATUS, "状态", "Status")                                          \
    X(M_OPEN_LINK, "处理", "Resolve")                                          \
    X(M_VIEW_LINK, "查看", "View")                                             \
    X(M_NO_CONFLICTS, "没有符合条件的冲突。", "No conflict matches.")          \
    X(M_KIND_FIELD, "同一字段被两处同时修改", "Edited in two places at once")  \
    X(M_KIND_DELETED, "修改了已被删除的记录", "Edit of a deleted record")      \
    X(M_KIND_TRANSFER, "原站点在得知转站前的修改",                             \
      "Edit the old station made before it learnt of the transfer")           \
    X(M_CONFLICT_TITLE, "冲突 #%s", "Conflict #%s")                            \
    X(M_WINNER, "当前值（较晚写入，正在生效）", "Current value (the later write, in effect)") \
    X(M_LOSER, "另一值（被覆盖，保留在此）", "Other value (overwritten, kept here)") \
    X(M_WINNER_WAS, "发现冲突时生效的值", "The value in effect when it was found") \
    X(M_LOSER_WAS, "被覆盖的值", "The overwritten value")                      \
    X(M_WRITTEN_BY, "写入方", "Written by")                                    \
    X(M_WRITTEN_AT, "写入时间", "Written at")                                  \
    X(M_COUNTY_SITE, "县级", "the county")                                     \
    X(M_DELETED_MARK, "（记录已删除）", "(record deleted)")                    \
    X(M_EMPTY_VALUE, "（空）", "(empty)")                                      \
    X(M_RECORD_CONTEXT, "记录内容", "The record")                              \
    X(M_RESOLVE_TITLE, "处理冲突", "Resolve the conflict")                     \
    X(M_KEEP_WINNER, "保留当前值", "Keep the current value")                   \
    X(M_KEEP_LOSER, "改用另一值", "Use the other value")                       \
    X(M_KEEP_VALUE, "输入新值", "Enter a new value")                           \
    X(M_KEEP_WINNER_DELETED, "保持删除", "Keep the record deleted")            \
    X(M_KEEP_LOSER_DELETED, "恢复记录并采用另一值", "Restore the record with the other value") \
    X(M_NOTE, "备注（如何核实）", "Note (how it was checked)")                 \
    X(M_RESOLVE_BUTTON, "确认处理", "Resolve")                                 \
    X(M_RESOLVED_OK, "冲突已处理，结果将在站点下次同步时下发。",               \
      "Conflict resolved: the result reaches the station at its next sync.")  \
    X(M_RESOLVED_AT, "处理时间", "Resolved at")                                \
    X(M_RESOLVED_BY, "处理人", "Resolved by")                                  \
    X(M_RESOLUTION, "处理方式", "Resolution")                                  \
    X(M_INVALID_VALUE, "新值无效（%s）：", "The new value is not valid (%s): ") \
    X(M_ALREADY_RESOLVED, "该冲突已被处理。", "This conflict is already resolved.") \
    X(M_NOT_FOUND, "未找到该页面或记录。", "No such page or record.")          \
    X(M_NOTE_TOO_LONG, "备注太长（最多 1000 字节）。", "The note is too long (at most 1000 bytes).") \
    X(M_CHOOSE_KEEP, "请选择一种处理方式。", "Choose how to resolve it.")      \
    X(M_FORMAT, "格式：", "Format: ")                                          \
    X(M_RECORDS_TITLE, "个案查询", "Case lookup")                              \
    X(M_SEARCH_LABEL, "个案编号或姓名（输入部分即可）", "Case id, or part of a name") \
    X(M_SEARCH_BUTTON, "查询", "Search")                                       \
    X(M_NO_RESULTS, "没有找到匹配的个案。", "No case found.")                  \
    X(M_RESULTS_MAX, "只显示前 %s 条，请输入更完整的姓名。",                   \
      "Only the first %s are shown: type more of the name.")                  \
    X(M_VISITS, "走访记录", "Visits")                                          \
    X(M_SERVICES, "服务记录", "Services")                                      \
    X(M_NONE, "无", "None")                                                    \
    X(M_CORRECT_TITLE, "更正字段（县级更正）", "Correct a field (county correction)") \
    X(M_CORRECT_VALUE, "新值（留空则清除）", "New value (empty clears it)")    \
    X(M_CORRECT_BUTTON, "保存更正", "Save the correction")                     \
    X(M_CORRECTED, "已更正，将在站点下次同步时下发。",                         \
      "Corrected: it reaches the station at its next sync.")                  \
    X(M_CASE_OF, "所属个案", "Case")                                           \
    X(M_RECORD_CONFLICTS, "该记录的冲突", "Conflicts on this record")          \
    X(M_CANNOT_CHANGE, "该字段不能修改。", "This field cannot change.")        \
    X(M_RECORD_DELETED, "该记录已被删除。", "This record is deleted.")         \
    X(M_AUDIT_TITLE, "审计日志", "Audit trail")                                \
    X(M_COL_WHEN, "时间", "When")                                              \
    X(M_COL_WHO, "操作人", "Who")                                              \
    X(M_COL_FROM, "来源", "From")                                              \
    X(M_COL_ACTION, "操作", "Action")                                          \
    X(M_COL_TARGET, "对象", "Target")                                          \
    X(M_COL_DETAILS, "详情", "Details")                                        \
    X(M_OLDER, "更早的记录 »", "Older entries »")                              \
    X(M_NO_AUDIT, "还没有审计记录。", "No entry yet.")                         \
    X(M_ACT_LOGIN, "登录", "log in")                                           \
    X(M_ACT_LOGIN_FAILED, "登录失败", "failed log in")                         \
    X(M_ACT_LOGOUT, "退出登录", "log out")                                     \
    X(M_ACT_STATION_ADD, "登记站点", "enrol station")                          \
    X(M_ACT_TOKEN_NEW, "新增副本令牌", "new token")                            \
    X(M_ACT_REVOKE, "吊销", "revoke")                                          \
    X(M_ACT_RESOLVE, "处理冲突", "resolve conflict")                           \
    X(M_ACT_RECORD_SET, "更正记录", "correct record")                          \
    X(M_ACT_VIEW, "查看记录", "view record")                                   \
    X(M_ACT_REVEAL, "查看完整证件号/电话", "reveal ID number/phone")           \
    X(M_ACT_SEARCH, "查询", "search")                                          \
    X(M_ACT_PURGE, "清除个人信息", "purge person")                             \
    X(M_PURGE_TITLE, "清除此人的全部信息", "Erase this person")              \
    X(M_PURGE_HELP,                                                            \
      "个案及其走访、服务记录将在县级和本站所有副本上永久清除，无法恢复。"     \
      "请输入此人的姓名或“清除”二字确认。",                                    \
      "The case with its visits and services is erased for good, here and "   \
      "on every replica of its station. Type the person's name or 清除 to "   \
      "confirm.")                                                             \
    X(M_PURGE_CONFIRM, "确认（姓名或“清除”）", "Confirm (name or 清除)")      \
    X(M_PURGE_REASON, "原因（不要写入姓名等个人信息）",                        \
      "Reason (do not name the person)")                                      \
    X(M_PURGE_BUTTON, "永久清除", "Erase for good")                            \
    X(M_PURGE_MISMATCH, "确认文字不符，未清除。",                              \
      "The confirmation does not match: nothing was erased.")                 \
    X(M_PURGED, "已清除。各站副本将在下次同步时清除。",                        \
      "Erased. The station's replicas erase it at their next sync.")          \
    X(M_ACT_TRANSFER, "个案转站", "transfer case")                             \
    X(M_ACT_TRANSFER_DECLINE, "驳回转站申请", "decline transfer request")      \
    X(M_NAV_TRANSFERS, "转站", "Transfers")                                    \
    X(M_TRANSFER_TITLE, "转到其他站点", "Move to another station")            \
    X(M_TRANSFER_HELP,                                                         \
      "此人搬到其他乡镇时使用：个案及其全部走访、服务记录转给新站点，"         \
      "原站点各副本在下次同步时删除这些记录，只保留一行去向说明。"             \
      "转站记入审计，可再转回。",                                              \
      "When the person moves township: the case with all its visits and "     \
      "services goes to the new station; the old station's replicas drop "    \
      "them at their next sync and keep one line saying where it went. "      \
      "Audited; can be moved back.")                                          \
    X(M_TRANSFER_TO, "转入站点", "To station")                                 \
    X(M_TRANSFER_NOTE, "说明（原站点可见，不要写入姓名等个人信息）",           \
      "Note (the old station sees it: do not name the person)")               \
    X(M_TRANSFER_BUTTON, "转站", "Move")                                       \
    X(M_TRANSFER_BAD, "未转站：请选择另一个站点，并填写说明"                   \
      "（1–500 字节，不含姓名、证件号、电话）。",                              \
      "Not moved: choose another station and write a note (1 to 500 bytes, "  \
      "without the name, ID number or phone).")                               \
    X(M_TRANSFERRED, "已转站。两站的副本将在下次同步时更新。",                 \
      "Moved. Both stations' replicas follow at their next sync.")            \
    X(M_TRANSFERS_TITLE, "转站申请", "Transfer requests")                      \
    X(M_TRANSFERS_NONE, "没有待处理的转站申请。", "No pending requests.")      \
    X(M_COL_REQUEST, "编号", "No.")                                            \
    X(M_COL_FROM_STATION, "申请站点", "Asked by station")                      \
    X(M_COL_TO_STATION, "转入站点", "To station")                              \
    X(M_COL_ASKED_BY, "申请人", "Asked by")                                    \
    X(M_COL_NOTE, "说明", "Note")                                              \
    X(M_TRANSFER_CONFIRM, "同意并转站", "Confirm and move")                   \
    X(M_TRANSFER_DECLINE, "驳回", "Decline")                                   \
    X(M_TRANSFER_DECLINED, "已驳回该申请。", "The request was declined.")      \
    X(M_TRANSFERS_DONE, "最近的转站", "Recent transfers")                      \
    X(M_REVEAL, "显示证件号和电话（记入审计）",                                \
      "Show ID number and phone (audited)")                                   \
    X(M_ACT_ADMIN_ADD, "添加管理员", "add admin")                              \
    X(M_ACT_ADMIN_REMOVE, "删除管理员", "remove admin")                        \
    X(M_ERR_CSRF, "请求无效（缺少表单令牌或令牌不符），请刷新页面后重试。",   \
      "Invalid request (missing or wrong form token): reload the page and try again.") \
    X(M_ERR_ORIGIN, "请求来自其他网站，已拒绝。", "The request comes from another site: refused.") \
    X(M_ERR_METHOD, "不支持该请求方法。", "Method not allowed.")               \
    X(M_ERR_BUSY, "数据库繁忙，请稍后再试。", "The database is busy: try again shortly.") \
    X(M_ERR_INTERNAL, "服务器内部错误。", "Internal server error.")            \
    X(M_ERR_BAD_REQUEST, "请求格式错误。", "Malformed request.")               \
    X(M_REQUIRED, "必填，不能清空", "required: cannot be empty")               \
    X(M_CK_TEXT, "文本，最多 %s 个字", "text, at most %s characters")          \
    X(M_CK_NONEMPTY, "文本，不能为空，最多 %s 个字", "text, not empty, at most %s characters") \
    X(M_CK_ENUM, "取值之一：%s", "one of: %s")                                 \
    X(M_CK_DATE, "日期，格式 YYYY-MM-DD", "a date, YYYY-MM-DD")                \
    X(M_CK_DATETIME, "日期或日期时间：YYYY-MM-DD 或 YYYY-MM-DDTHH:MM[:SS]",     \
      "a date, or a date and time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]")      \
    X(M_CK_IDNUM, "18 位居民身份证号码（校验位须正确）",                       \
      "an 18-character resident ID number with a valid check digit")          \
    X(M_CK_PHONE, "电话号码：3–20 位，数字、+、- 或空格",                      \
      "a phone number: 3-20 of digits, +, - or spaces")                       \
    X(M_CK_BOOL, "0（否）或 1（是）", "0 (no) or 1 (yes)")                     \
    X(M_CK_COUNT, "0 到 %s 的整数", "a whole number from 0 to %s")             \
    X(M_CK_MONEY, "金额，最多两位小数，如 150.50", "an amount with at most 2 decimals, e.g. 150.50") \
    X(M_CK_REF, "个案编号", "a case id") \
    X(M_C_APP, "社工站个案工作台", "Station case desk") \
    X(M_C_LOGIN_TITLE, "社工登录", "Worker sign in") \
    X(M_C_NAV_HOME, "今日工作", "Today") \
    X(M_C_NAV_SEARCH, "查找", "Find") \
    X(M_C_NAV_NEW, "新建个案", "New case") \
    X(M_C_NAV_CONFLICTS, "冲突", "Conflicts") \
    X(M_C_NAV_EXPORT, "导出与月报", "Export") \
    X(M_C_NAV_PASSWORD, "修改密码", "Password") \
    X(M_C_DUE_TITLE, "到期与逾期的跟进", "Follow-ups due or overdue") \
    X(M_C_DUE_NONE, "今天没有到期的跟进。", "No follow-up is due today.") \
    X(M_C_COL_DUE, "约定日期", "Due") \
    X(M_C_COL_LAST_VISIT, "上次走访", "Last visit") \
    X(M_C_COL_LAST_FINDINGS, "上次情况", "Last findings") \
    X(M_C_OVERDUE, "逾期", "overdue") \
    X(M_C_TODAY, "今天", "today") \
    X(M_C_STALE_TITLE, "%s 天未走访的高风险个案", "High-risk cases not visited for %s days") \
    X(M_C_STALE_NONE, "没有。", "None.") \
    X(M_C_NEVER_VISITED, "从未走访", "never visited") \
    X(M_C_BYCAT_TITLE, "在案个案（按类别）", "Open cases by category") \
    X(M_C_TOTAL, "合计", "Total") \
    X(M_C_SYNC_TITLE, "与县级同步", "Sync with the county") \
    X(M_C_LAST_SYNC, "上次成功同步", "Last successful sync") \
    X(M_C_PENDING, "待上传的修改", "Changes waiting to be sent") \
    X(M_C_OPEN_CONFLICTS, "未解决冲突", "Open conflicts") \
    X(M_C_LAST_ERROR, "上次出错", "Last error") \
    X(M_C_SYNC_NOW, "立即同步", "Sync now") \
    X(M_C_SYNCING, "正在同步……已用 %s 秒。页面会自动刷新。", "Syncing... %s s so far. This page refreshes by itself.") \
    X(M_C_SYNC_OK, "同步完成：", "Sync done: ") \
    X(M_C_SYNC_FAILED, "同步失败：", "Sync failed: ") \
    X(M_C_SKEW_WARN, "本机时钟与县级服务器相差 %s，请校准电脑时间。", "This PC's clock is %s off the county server's: please set it right.") \
    X(M_C_AGO_S, "刚刚", "just now") \
    X(M_C_AGO_M, "%s 分钟前", "%s min ago") \
    X(M_C_AGO_H, "%s 小时前", "%s h ago") \
    X(M_C_AGO_D, "%s 天前", "%s days ago") \
    X(M_C_ERR_NET, "连不上县级服务器（网络不通，或服务器未开）。", "Cannot reach the county server (no network, or the server is down).") \
    X(M_C_ERR_TOKEN, "县级服务器拒绝了本站的令牌（可能已吊销），请联系县级管理员。", "The county server refused this station's token (revoked?): call the county admin.") \
    X(M_C_ERR_CONFIG, "本机同步设置有误（服务器地址或令牌文件），请联系技术人员。", "This PC's sync settings are wrong (server address or token file): call your technician.") \
    X(M_C_ERR_OTHER, "同步出错，请稍后再试；如反复出现请联系县级管理员。", "Sync failed: try again later; if it keeps failing, call the county admin.") \
    X(M_C_SEARCH_TITLE, "查找个案", "Find a case") \
    X(M_C_SEARCH_HINT, "姓名（可只输部分或拼音首字母，如 zs）、身份证号、电话或村（社区）", "Name (part of it, or pinyin initials such as zs), ID number, phone or village") \
    X(M_C_SEARCH_N, "找到 %s 个个案。", "%s case(s) found.") \
    X(M_C_NEW_CASE_TITLE, "新建个案", "New case") \
    X(M_C_EDIT_CASE_TITLE, "修改个案", "Edit the case") \
    X(M_C_SAVE, "保存", "Save") \
    X(M_C_CANCEL, "取消", "Cancel") \
    X(M_C_SAVED, "已保存。", "Saved.") \
    X(M_C_MOVED_TITLE, "已转到其他站点的个案", "Cases moved to other stations") \
    X(M_C_MOVED_TO, "转至 %s", "moved to %s") \
    X(M_C_MOVED_WAITING, "本机修改上传后删除", "leaves this PC once its edits are sent") \
    X(M_C_TRANSFER_ASK, "申请转站", "Ask to move") \
    X(M_C_TRANSFER_TITLE, "申请转到其他站点：%s", "Ask to move to another station: %s") \
    X(M_C_TRANSFER_HELP, "此人搬到其他乡镇时使用。申请在下次同步时发给县级，县级管理员同意后，个案及其全部记录转给新站点，本站不再保留。", "When the person moves township. The request goes to the county at the next sync; once a county admin confirms it, the case with all its records goes to the new station and leaves this one.") \
    X(M_C_TRANSFER_TO, "转入站点代码", "Code of the new station") \
    X(M_C_TRANSFER_NOTE, "说明（不要写入姓名等个人信息）", "Note (do not name the person)") \
    X(M_C_TRANSFER_SEND, "提交申请", "Send the request") \
    X(M_C_TRANSFER_BAD, "未提交：请填写另一个站点的代码和说明（不超过 500 字节）。", "Not sent: give another station's code and a note (at most 500 bytes).") \
    X(M_C_TRANSFER_ASKED, "转站申请已记录，将在下次同步时发给县级。", "The request is noted; the next sync sends it to the county.") \
    X(M_C_FORM_ERRORS, "有 %s 处需要改正，尚未保存：", "%s thing(s) to correct; nothing was saved:") \
    X(M_C_REQUIRED, "必填", "required") \
    X(M_C_ERR_REQUIRED, "「%s」必须填写。", "「%s」 is required.") \
    X(M_C_ERR_FIELD, "「%s」填写有误：", "「%s」 is not valid: ") \
    X(M_C_EDIT, "修改", "Edit") \
    X(M_C_ADD_VISIT, "添加走访", "Add a visit") \
    X(M_C_ADD_SERVICE, "添加服务", "Add a service") \
    X(M_C_CLOSE_CASE, "结案", "Close the case") \
    X(M_C_REOPEN_CASE, "重新立案", "Reopen") \
    X(M_C_DELETE, "删除", "Delete") \
    X(M_C_DELETE_TITLE, "删除个案", "Delete the case") \
    X(M_C_DELETE_CONFIRM, "确定删除个案「%s」吗？删除后将同步到县级，只能由县级恢复。", "Delete the case 「%s」? The deletion goes to the county; only the county can undo it.") \
    X(M_C_DELETED, "个案已删除。", "The case is deleted.") \
    X(M_C_TIMELINE, "走访与服务记录（最新在前）", "Visits and services, newest first") \
    X(M_C_NO_TIMELINE, "还没有走访或服务记录。", "No visit or service yet.") \
    X(M_C_NEXT_VISIT, "下次走访：", "Next visit: ") \
    X(M_C_BY_COUNTY, "县级已更正", "corrected by the county") \
    X(M_C_BY_OTHER, "本站另一台电脑修改", "changed on another PC of this station") \
    X(M_C_NEW_VISIT_TITLE, "添加走访：%s", "New visit: %s") \
    X(M_C_NEW_SERVICE_TITLE, "添加服务：%s", "New service: %s") \
    X(M_C_ID_OK, "身份证号校验通过", "ID number check digit is right") \
    X(M_C_ID_BAD, "身份证号校验位不对，请核对", "The ID number's check digit is wrong: check it") \
    X(M_C_CONFLICTS_TITLE, "本站的冲突", "Conflicts of this station") \
    X(M_C_NAV_REFERRALS, "转介", "Referrals") \
    X(M_C_REF_DUE_TITLE, "到期的转介跟进", "Referral follow-ups due") \
    X(M_C_REF_DUE_NONE, "今天没有到期的转介跟进。", "No referral follow-up is due today.") \
    X(M_C_REFERRALS_TITLE, "未办结的转介", "Open referrals") \
    X(M_C_REFERRALS_ALL_TITLE, "全部转介", "All referrals") \
    X(M_C_REFERRALS_SHOW_ALL, "显示全部（含已办结）", "Show all (closed too)") \
    X(M_C_REFERRALS_SHOW_OPEN, "只看未办结", "Open ones only") \
    X(M_C_REFERRALS_N, "共 %s 条，", "%s referral(s), ") \
    X(M_C_REFERRALS_OVER, "其中逾期 %s 条。", "%s overdue.") \
    X(M_C_ADD_REFERRAL, "转介", "Refer") \
    X(M_C_NEW_REFERRAL_TITLE, "转介：%s", "New referral: %s") \
    X(M_C_EDIT_REFERRAL_TITLE, "更新转介", "Update the referral") \
    X(M_C_CASE_REFERRALS, "转介记录", "Referrals") \
    X(M_C_NO_REFERRALS, "还没有转介。", "No referral yet.") \
    X(M_C_FOLLOW_UP_ON, "跟进日期：", "Follow up on: ") \
    X(M_C_NOT_IN_DIRECTORY, "（不在资源目录中，请在下面填写）", "(not in the directory: write it below)") \
    X(M_C_COL_CASE, "个案", "Case") \
    X(M_C_CONFLICTS_HELP, "同一字段在两处同时被修改时，较晚的写入生效，另一值保留在这里，由县级核实处理。", "When a field is changed in two places at once, the later write takes effect and the other value is kept here for the county to check.") \
    X(M_C_THIS_PC, "本机", "this PC") \
    X(M_C_OTHER_PC, "本站另一台电脑（%s）", "another PC of this station (%s)") \
    X(M_C_RESOLUTION_WAIT, "等待县级处理", "waiting for the county") \
    X(M_C_EXPORT_TITLE, "导出", "Export") \
    X(M_C_EXPORT_FROM, "开始日期", "From") \
    X(M_C_EXPORT_TO, "结束日期", "To") \
    X(M_C_EXPORT_WHAT, "导出内容", "What") \
    X(M_C_EXPORT_BUTTON, "下载 CSV", "Download CSV") \
    X(M_C_MONTH_TITLE, "月报", "Month summary") \
    X(M_C_MONTH, "月份", "Month") \
    X(M_C_MONTH_BUTTON, "查看月报", "Show") \
    X(M_C_R_CASES, "新立案 / 结案（按类别）", "New / closed cases by category") \
    X(M_C_R_VISITS, "走访（按方式）", "Visits by mode") \
    X(M_C_R_SERVICES, "服务（按类型：次数、金额）", "Services by type: count, amount") \
    X(M_C_R_FOLLOWUPS, "跟进", "Follow-ups") \
    X(M_C_R_DUE, "到期", "due") \
    X(M_C_R_DONE, "已完成", "done") \
    X(M_C_R_UNVISITED, "高风险且 %s 天未走访", "High risk, not visited in %s days") \
    X(M_C_PW_TITLE, "修改密码", "Change the password") \
    X(M_C_PW_OLD, "当前密码", "Current password") \
    X(M_C_PW_NEW, "新密码（至少 10 个字符）", "New password (at least 10 characters)") \
    X(M_C_PW_NEW2, "再输一次新密码", "The new password again") \
    X(M_C_PW_CHANGED, "密码已修改。", "The password is changed.") \
    X(M_C_PW_WRONG, "当前密码不对。", "The current password is wrong.") \
    X(M_C_PW_MISMATCH, "两次输入的新密码不一样。", "The two new passwords differ.") \
    X(M_C_PW_SHORT, "新密码太短（至少 10 个字符）。", "The new password is too short (at least 10 characters).") \
    X(M_C_NOT_CASE, "没有这个个案。", "No such case.") \
    X(M_C_OPEN_CASE, "查看", "Open") \
    X(M_C_YES, "是", "yes") \
    X(M_C_NO, "否", "no") \
    X(M_C_CHOOSE, "请选择", "Choose") \
    X(M_C_FOR_CASE, "个案：", "Case: ") \
    X(M_C_ALSO_SERVED, "此人也在%s接受服务", "Also served at %s") \
    X(M_C_CONTACT, "联系：", "Contact: ") \
    X(M_C_NO_CONTACT, "（未登记）", "(none given)") \
    X(M_NAV_DUPS, "疑似重复", "Duplicates") \
    X(M_DUPS_TITLE, "疑似同一人（跨站点）", "Possible duplicates across stations") \
    X(M_DUPS_HELP, "以下个案在不同站点登记了相同的身份证号（强），或在一方没有身份证号时姓名和出生日期相同（弱）。系统不会自动合并：核实后标记“不是同一人”，或“关联”让两站看到对方站点和联系方式（不含其他信息）。每个决定都记入审计日志，可以撤销。", \
      "These cases of different stations have the same ID number (strong) or, when one has none, the same name and birth date (weak). Nothing is merged automatically: after checking, mark a pair not the same person, or link it so that each station sees the other station and its contact line (nothing else). Every decision is audited and can be undone.") \
    X(M_DUP_REASON_ID, "身份证号相同", "Same ID number") \
    X(M_DUP_REASON_NB, "姓名和出生日期相同", "Same name and birth date") \
    X(M_DUP_REASON_NONE, "已不再匹配", "No longer matches") \
    X(M_DUP_STRONG, "强", "strong") \
    X(M_DUP_WEAK, "弱", "weak") \
    X(M_DUP_STATE_OPEN, "待核实", "To check") \
    X(M_DUP_STATE_LINKED, "已关联", "Linked") \
    X(M_DUP_STATE_NOT_SAME, "不是同一人", "Not the same person") \
    X(M_COL_REASON, "匹配原因", "Why") \
    X(M_COL_STRENGTH, "强度", "Strength") \
    X(M_COL_CASES, "个案（站点）", "Cases (station)") \
    X(M_COL_DECISION, "决定", "Decision") \
    X(M_DUP_NOTE, "说明（必填）", "Note (required)") \
    X(M_DUP_NOT_SAME_BUTTON, "不是同一人", "Not the same person") \
    X(M_DUP_LINK_BUTTON, "关联", "Link") \
    X(M_DUP_UNDO_BUTTON, "撤销决定", "Undo the decision") \
    X(M_DUP_TRANSFER, "转移此个案…", "Transfer this case…") \
    X(M_DUP_SHOW_ALL, "也显示已标记“不是同一人”的", "Also those marked not the same person") \
    X(M_NO_DUPS, "没有疑似重复的个案。", "No possible duplicates.") \
    X(M_DUP_SAVED, "已保存并记入审计日志。", "Saved and audited.") \
    X(M_DUP_NOTE_NEEDED, "未保存：请填写说明（1 至 500 字节）。", "Not saved: give a note (1 to 500 bytes).") \
    X(M_DUP_REFUSED, "未保存：该决定已存在，或没有可撤销的决定，或两个个案属于同一站点。", "Not saved: that decision is already made, or there is none to undo, or both cases are at one station.")
/* clang-format on */

enum i18n_msg {
#define I18N_ENUM(id, zh, en) id,
    I18N_MESSAGES(I18N_ENUM)
#undef I18N_ENUM
        M__COUNT
};

/* The text of a message (not escaped: the texts hold no markup). */
const char *tr(enum i18n_lang lang, enum i18n_msg m);

/*
** Append the text of m to b, HTML-escaped, with its "%s" replaced by arg
** (escaped too).
*/
void i18n_fmt(struct sw_buf *b, enum i18n_lang lang, enum i18n_msg m,
              const char *arg);

/* The label of a field (column name if unknown), and of a table. */
const char *i18n_field(enum i18n_lang lang, const struct sw_table *t,
                       const char *col);
const char *i18n_table(enum i18n_lang lang, const char *table);

/* The label of an enumerated value of a column, or NULL. */
const char *i18n_value(enum i18n_lang lang, const char *col, const char *value);

/* The label of an audit action (the action word if unknown). */
const char *i18n_action(enum i18n_lang lang, const char *action);

/* What a column accepts, one line, HTML-escaped, appended to b. */
void i18n_check(struct sw_buf *b, enum i18n_lang lang,
                const struct sw_column *c);

#endif
