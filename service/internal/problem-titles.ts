import type { ProblemCode } from "./problems.js";

/**
 * The problem titles in Chinese (zh-CN), answered to a request that asks for Chinese (`Accept-Language: zh-CN`).
 * Codes, statuses and details stay as they are; only the title, the sentence a person reads, changes. Every code of
 * the catalogue (problems.ts) has one: a new code without its title here does not compile.
 */
export const PROBLEM_TITLES_ZH_CN = {
  BAD_REQUEST: "HTTP 请求格式错误",
  METHOD_NOT_ALLOWED: "此处不支持该请求方法",
  REQUEST_TIMEOUT: "未能及时收到请求",
  PAYLOAD_TOO_LARGE: "请求体过大",
  UNSUPPORTED_MEDIA_TYPE: "不支持请求体的媒体类型、字符集或内容编码",
  HEADERS_TOO_LARGE: "请求头字段过大",
  ROUTE_NOT_FOUND: "没有这个路由",

  VALIDATION_FAILED: "请求无效",
  INVALID_JSON: "请求体不是有效的 JSON",
  UNAUTHENTICATED: "需要凭证：访问令牌（bearer token），或算力服务商签名的 Authorization 请求头",

  INVALID_CURSOR: "游标对此列表无效",
  BLOCK_NOT_INDEXED: "该区块高于镜像已索引的区块",
  BLOCK_NOT_KEPT: "该区块早于镜像保留的历史",
  TOKEN_INVALID: "访问令牌无效或已过期",
  SIWE_INVALID: "以太坊登录（SIWE）消息被拒绝",
  FORBIDDEN: "该地址没有读取此内容的角色",
  NOT_FOUND: "没有这条记录",
  REGISTRY_MISMATCH: "身份登记中的记录与链上不符",
  NOT_WRITER: "身份登记只能由镜像的写入进程写入",
  RATE_LIMITED: "请求过多",

  INVALID_SIGNATURE: "算力服务商的签名与请求不符",
  NONCE_USED: "该转发器 nonce 已被使用",
  NONCE_GAP: "该转发器 nonce 不是算力服务商的下一个 nonce",
  NONCE_BLOCKED: "算力服务商此前的一个请求失败且未使用其转发器 nonce，请从该 nonce 重新签名",
  INVOICE_IN_USE: "该发票已由另一算力服务商提交",
  INVOICE_PENDING: "该服务商企业对此发票的另一兑付请求正在排队、处理中或已确认",
  REQUEST_MISMATCH: "转发请求并未以此授权调用台账的兑付",
  REQUEST_EXPIRED: "转发请求已过截止时间",
  LEDGER_REFUSED: "台账将拒绝此次兑付",

  UNKNOWN_VOUCHER: "台账将拒绝此次兑付：算力券不存在",
  WRONG_DATA_CENTER: "台账将拒绝此次兑付：授权指定的是另一算力服务商",
  NOT_ACCREDITED: "台账将拒绝此次兑付：该算力服务商未获该券所属城市（v1）或项目（v2）的认定",
  CONSENT_EXPIRED: "台账将拒绝此次兑付：持有企业的授权已过期",
  VOUCHER_INACTIVE: "台账将拒绝此次兑付：算力券不处于有效状态",
  VOUCHER_EXPIRED: "台账将拒绝此次兑付：算力券已过期",
  INVOICE_USED: "台账将拒绝此次兑付：该发票已兑付过",
  INVALID_AMOUNT: "台账将拒绝此次兑付：金额不允许",
  OVER_RATIO: "台账将拒绝此次兑付：金额超过城市对该发票的补贴比例",
  INSUFFICIENT_VALUE: "台账将拒绝此次兑付：算力券余额不足",
  INVALID_CONSENT: "台账将拒绝此次兑付：授权并非由该券的持有企业签署",
  PAUSED: "台账将拒绝此次兑付：台账已暂停",
  UNTRUSTED_TARGET: "台账将拒绝此次兑付：目标合约不信任该转发器",
  MISMATCHED_VALUE: "台账将拒绝此次兑付：发送的金额与请求不符",
  FAILED_CALL: "台账将拒绝此次兑付：转发的调用失败",
  REVERTED: "台账将拒绝此次兑付：调用因未知原因回退",

  VOUCHER_FROZEN: "台账将拒绝此次兑付：算力券已冻结",
  REISSUE_PENDING: "台账将拒绝此次兑付：算力券有待执行的补发",
  NOT_BENEFICIARY: "台账将拒绝此次兑付：持有地址不是受益企业的有效地址",
  UNKNOWN_PROGRAMME: "台账将拒绝此次兑付：该券所属项目未配置",
  PROGRAMME_PAUSED: "台账将拒绝此次兑付：项目已暂停",
  WRONG_SUPPLIER: "台账将拒绝此次兑付：授权指定的是另一算力服务商",
  CLASS_NOT_ACCREDITED: "台账将拒绝此次兑付：该算力服务商未获该发票算力类别的认定",
  OUTSIDE_WINDOW: "台账将拒绝此次兑付：当前不在项目的兑付期内",
  CONTRACT_TOO_EARLY: "台账将拒绝此次兑付：合同签订日期早于项目允许的最早日期",
  INVALID_SERVICE_PERIOD: "台账将拒绝此次兑付：服务期颠倒或超出范围",
  EVIDENCE_MISSING: "台账将拒绝此次兑付：缺少项目要求的证明材料",
  RELATED_PARTIES: "台账将拒绝此次兑付：买方与算力服务商为关联方",
  UNDECLARED_RELATION: "台账将拒绝此次兑付：授权未声明买方与算力服务商无关联",
  INELIGIBLE: "台账将拒绝此次兑付：项目对该算力类别和企业类别不予补贴",
  INVALID_INVOICE: "台账将拒绝此次兑付：发票号码哈希为零",
  INVOICE_NOT_STACKABLE: "台账将拒绝此次兑付：该发票不能再由其他项目补贴",
  INVOICE_MISMATCH: "台账将拒绝此次兑付：发票信息与首次兑付时不符",
  INVOICE_OTHER_BUYER: "台账将拒绝此次兑付：该发票已为另一买方兑付",
  OVER_COMBINED_SHARE: "台账将拒绝此次兑付：各项目对该发票的补贴合计将超过叠加上限",
  OUTSIDE_ENTITY_WINDOW: "台账将拒绝此次兑付：服务结束日晚于该企业在项目中的期限",
  CONSENT_TOO_LONG: "台账将拒绝此次兑付：授权截止时间超过 90 天",
  CONSENT_CANCELLED: "台账将拒绝此次兑付：持有企业已撤销其授权",
  PAYEE_NOT_ALLOWED: "台账将拒绝此次兑付：项目不向算力服务商支付",
  INVOICE_CLAIMED: "台账将拒绝此次兑付：买方已申领该发票，或其申领待审核",
  NOT_PERMITTED: "台账将拒绝此次兑付：访问管理合约不允许该算力服务商兑付",

  INTERNAL: "内部错误",
  UNAVAILABLE: "依赖的服务（数据库或链节点）不可用",
  NOT_READY: "镜像尚未追上链",
  MIRROR_HALTED: "链替换了镜像已确认为最终的区块：镜像已停止",
  TIMEOUT: "请求耗时过长",
} as const satisfies { [C in ProblemCode]: string };

/** The languages problem titles are written in; English is the catalogue's own (problems.ts). */
export const PROBLEM_LANGUAGES = ["en", "zh-CN"] as const;
export type ProblemLanguage = (typeof PROBLEM_LANGUAGES)[number];
