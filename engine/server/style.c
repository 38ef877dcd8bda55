/*
 * style.c - the one stylesheet, served by the server itself (no fonts,
 * images or scripts from anywhere).  Mobile first: it works from 320 px
 * wide and at 200% zoom (relative units, no fixed widths), every answer
 * label is a touch target of at least 44 px (WCAG 2.2 2.5.8 asks for
 * 24 px; 44 px is project policy after Apple's and WCAG 2.5.5's figure),
 * focus is always visible, and the colours meet WCAG AA contrast.
 */
#include "server_internal.h"

static const char css[] =
    ":root{color-scheme:light;--ink:#1b1b1b;--muted:#4a4a4a;"
    "--accent:#1d5d90;--line:#8a8a8a;--bg:#fdfcfa;--soft:#eef3f7;"
    "--bad:#9b1c1c}\n"
    "*{box-sizing:border-box}\n"
    "html{font-size:100%}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "font-size:1.125rem;line-height:1.5}\n"
    "main{max-width:40rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}\n"
    "h2{font-size:1.25rem;margin:1.5rem 0 .5rem}\n"
    "h1.small{font-size:1rem;color:var(--muted);margin:.25rem 0}\n"
    "fieldset{border:0;margin:0 0 1.5rem;padding:0;min-width:0}\n"
    "legend{font-weight:600;margin-bottom:.75rem;padding:0}\n"
    "legend .count{display:block;font-weight:400;color:var(--muted);"
    "font-size:1rem}\n"
    ".choice{position:relative;margin:.5rem 0}\n"
    ".choice input{position:absolute;left:1rem;top:50%;margin:0;"
    "width:1.5rem;height:1.5rem;transform:translateY(-50%);"
    "accent-color:var(--accent)}\n"
    ".choice label{display:flex;align-items:center;min-height:3rem;"
    "padding:.625rem 1rem .625rem 3.25rem;border:2px solid var(--line);"
    "border-radius:.5rem;background:#fff;cursor:pointer}\n"
    ".choice input:checked+label{border-color:var(--accent);"
    "background:var(--soft);font-weight:600}\n"
    ".choice input:focus-visible+label{outline:3px solid var(--accent);"
    "outline-offset:2px}\n"
    "button{font:inherit;min-height:3rem;min-width:3rem;"
    "padding:.625rem 1.25rem;border-radius:.5rem;"
    "border:2px solid var(--accent);background:#fff;color:var(--accent);"
    "cursor:pointer;margin:.25rem .5rem .25rem 0}\n"
    "button.primary{background:var(--accent);color:#fff}\n"
    "button:focus-visible,a:focus-visible,input:focus-visible{"
    "outline:3px solid var(--ink);outline-offset:2px}\n"
    ".actions{display:flex;flex-wrap:wrap;margin-top:1rem}\n"
    "input:not([type=radio]):not([type=checkbox]){font:inherit;"
    "width:100%;min-height:3rem;padding:.5rem;border:2px solid var(--line);"
    "border-radius:.5rem}\n"
    "label{display:block}\n"
    ".problem{border-left:.375rem solid var(--bad);padding:.5rem 1rem;"
    "background:#fff;color:var(--bad);font-weight:600}\n"
    ".progress,.recall,.hint,.stem{color:var(--muted)}\n"
    ".review{padding-left:1.5rem}\n"
    ".review li{margin:.75rem 0}\n"
    ".review .answer{display:block}\n"
    ".care{border:2px solid var(--accent);border-radius:.5rem;"
    "padding:.5rem 1rem;background:var(--soft)}\n"
    ".handback{font-size:1.5rem;font-weight:600}\n"
    ".bar{display:flex;flex-wrap:wrap;align-items:center;"
    "justify-content:space-between}\n"
    ".url code{word-break:break-all;font-size:1rem}\n"
    ".visually-hidden{position:absolute;width:1px;height:1px;"
    "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\n"
    "a{color:var(--accent)}\n";

/* The clinician's pages. */
static const char dash_css[] =
    "main.wide{max-width:72rem}\n"
    "nav.bar{gap:1rem;margin-bottom:.5rem}\n"
    "nav.bar form{display:flex;flex-wrap:wrap;align-items:center;"
    "gap:.5rem}\n"
    "nav.axis{margin:1rem 0}\n"
    "nav.axis a{display:inline-block;padding:.5rem .75rem;min-height:2.75rem}"
    "\n"
    "nav.axis a[aria-current]{font-weight:600;color:var(--ink);"
    "border-bottom:3px solid var(--accent)}\n"
    "dl.facts,dl.figures{display:grid;grid-template-columns:"
    "minmax(8rem,14rem) 1fr;gap:.25rem 1rem;margin:0 0 1rem}\n"
    "table.figures{width:auto;max-width:100%}\n"
    "table.figures th[scope=row]{min-width:14rem}\n"
    "table.figures td{min-width:12rem}\n"
    ".facts dt,.figures dt{font-weight:600}\n"
    ".facts dd,.figures dd{margin:0}\n"
    ".figures dd.alert,.figures dd.alert{color:var(--bad);font-weight:600}\n"
    ".course{border-top:2px solid var(--line);margin-top:2rem;"
    "padding-top:.5rem}\n"
    ".chart-figure{margin:0 0 1rem}\n"
    ".chart-wrap{overflow-x:auto;max-width:100%}\n"
    ".chart-wrap:focus-visible{outline:3px solid var(--ink)}\n"
    "svg.chart{width:100%;height:auto;min-width:42rem;max-width:60rem;"
    "display:block;background:#fff}\n"
    "svg.key{width:2rem;height:.8rem;vertical-align:middle}\n"
    ".legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;"
    "gap:.25rem 1.5rem;margin:.5rem 0}\n"
    ".markers{margin:.25rem 0 .75rem;padding-left:2rem}\n"
    ".chart-desc{color:var(--muted);margin:.5rem 0}\n"
    ".table-wrap{overflow-x:auto;max-width:100%;margin:.5rem 0 1rem}\n"
    ".table-wrap:focus-visible{outline:3px solid var(--ink)}\n"
    "table.data,table.grid{border-collapse:collapse;font-size:1rem}\n"
    "table caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
    "th,td{border:1px solid var(--line);padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}\n"
    "thead th{background:var(--soft)}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.grid th[scope=row]{font-weight:400;min-width:12rem}\n"
    "td.s1{background:#eef3f7}td.s2{background:#d9e6f0}"
    "td.s3{background:#bcd3e6;font-weight:600}\n"
    "tr.old td{color:var(--muted)}\n"
    ".notice{border-left:.375rem solid var(--accent);padding:.5rem 1rem;"
    "background:var(--soft)}\n"
    "form.action{border:1px solid var(--line);border-radius:.5rem;"
    "padding:.5rem 1rem 1rem;margin:1rem 0;background:#fff}\n"
    "form.action h3{margin:.25rem 0 .75rem;font-size:1.125rem}\n"
    "select{font:inherit;min-height:3rem;padding:.5rem;max-width:100%;"
    "border:2px solid var(--line);border-radius:.5rem;background:#fff}\n"
    ".item{margin:.75rem 0}\n"
    ".item .hint{display:block;font-size:1rem}\n"
    ".print-head{display:none}\n";

/* Print: one page per questionnaire, nothing to click, "Confidential"
 * in every page's top margin (CSS page margin boxes). */
static const char print_css[] =
    "@page{margin:18mm 14mm 16mm;"
    "@top-center{content:'Confidential';font:9pt sans-serif;color:#333}"
    "@bottom-right{content:'Page ' counter(page) ' of ' counter(pages);"
    "font:9pt sans-serif;color:#333}}\n"
    "@media print{"
    "body{background:#fff;font-size:10.5pt;line-height:1.35}"
    "main.wide{max-width:none;padding:0;margin:0}"
    ".no-print,nav,form,.hint{display:none!important}"
    ".print-head{display:block;font-size:9pt;color:#333;margin:0 0 .5rem;"
    "border-bottom:1px solid #999}"
    ".course{break-before:page;break-inside:avoid;border:0;margin:0;"
    "padding:0}"
    ".chart-figure .table-wrap,.table-wrap.pairs{display:none}"
    "svg.chart{min-width:0;max-width:100%;width:100%;height:88mm}"
    ".figures{font-size:9.5pt}"
    "table.data{font-size:8.5pt;width:100%}"
    "table.data th,table.data td{padding:.1rem .3rem}"
    ".couple svg.chart{height:70mm}"
    ".chart-desc,.legend,.markers{font-size:9pt;margin:.2rem 0}"
    "h1{font-size:16pt}h2{font-size:13pt;margin:.25rem 0}"
    "a{color:inherit;text-decoration:none}"
    ".facts,.figures{grid-template-columns:11rem 1fr}"
    "}\n";

/* the dashboard's frame and its list pages (dash.c, page_today.c,
 * page_caseload.c, ...) */
static const char frame_css[] =
    ".skip{position:absolute;left:-999rem}\n"
    ".skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;"
    "z-index:2}\n"
    ".top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;"
    "padding:.5rem 1rem;border-bottom:2px solid var(--line);"
    "background:#fff}\n"
    ".top .clinic{font-weight:600;margin:0}\n"
    ".top ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;"
    "margin:0;padding:0}\n"
    ".top nav a{display:inline-block;padding:.5rem .25rem;min-height:2.75rem}"
    "\n"
    ".top nav a[aria-current=page]{font-weight:700;color:var(--ink);"
    "border-bottom:.25rem solid var(--accent)}\n"
    ".top .who{margin-left:auto;display:flex;align-items:center;"
    "gap:.5rem}\n"
    "main.wide{max-width:80rem}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;"
    "font-size:1rem}\n"
    "th,td{text-align:left;padding:.375rem .5rem;"
    "border-bottom:1px solid var(--line);vertical-align:top}\n"
    "thead th{border-bottom:2px solid var(--ink)}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.has-alert th{border-left:.375rem solid var(--bad)}\n"
    ".flag{color:var(--bad);font-weight:600}\n"
    ".code{color:var(--muted)}\n"
    ".spark polyline{fill:none;stroke:var(--accent);stroke-width:2}\n"
    ".alerts{padding-left:1.5rem}\n"
    ".alert{margin:0 0 1.5rem;padding:.5rem 1rem;border:2px solid "
    "var(--line);border-radius:.5rem;background:#fff}\n"
    ".alert.risk{border-color:var(--bad);border-left-width:.5rem}\n"
    ".alert h3{font-size:1.125rem;margin:.25rem 0}\n"
    ".meta{color:var(--muted);margin:.25rem 0}\n"
    ".notes{color:var(--muted);font-size:1rem}\n"
    "textarea{font:inherit;width:100%;padding:.5rem;"
    "border:2px solid var(--line);border-radius:.5rem}\n"
    ".done{border-left:.375rem solid var(--accent);padding:.5rem 1rem;"
    "background:var(--soft)}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;"
    "align-items:flex-end;margin-bottom:1rem}\n"
    ".filters .check{display:flex;align-items:center;gap:.5rem;"
    "min-height:3rem}\n"
    ".filters .check label{display:inline}\n"
    ".filters .check input{width:1.5rem;height:1.5rem}\n"
    ".pager a{display:inline-block;padding:.75rem .5rem;margin-left:.5rem}\n"
    ".caution{border-left:.375rem solid var(--bad);padding:.5rem 1rem;"
    "background:#fff}\n"
    "textarea:focus-visible,select:focus-visible{outline:3px solid "
    "var(--ink);outline-offset:2px}\n";

/* paper, beside print_css: no navigation, tables that keep their
 * header and do not split a row */
static const char frame_print_css[] =
    "@media print{"
    ".top,.skip,.no-print,form.act,.filters{display:none!important}"
    "table{font-size:8.5pt}"
    "thead{display:table-header-group}"
    "tr{break-inside:avoid}"
    "}\n";

void srv_style_get(srv_ctx *c)
{
    srv_buf b = SRV_BUF_INIT;
    srv_putn(&b, css, sizeof css - 1);
    srv_putn(&b, dash_css, sizeof dash_css - 1);
    srv_putn(&b, frame_css, sizeof frame_css - 1);
    srv_putn(&b, print_css, sizeof print_css - 1);
    srv_putn(&b, frame_print_css, sizeof frame_print_css - 1);
    c->rs->status = 200;
    srv_header(c->rs, "Content-Type", "text/css; charset=utf-8");
    c->rs->body = b.p;
    c->rs->body_len = b.len;
    c->rs->oom = b.oom;
}
