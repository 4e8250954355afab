/**
 * The help centre's stylesheet, with the brand colour in it (a file, not an inline style, so the
 * pages' policy allows no inline CSS at all). System fonts only: nothing to fetch.
 */
export function helpStylesheet(brandColor: string): string {
  // The colour is validated as #rrggbb by the web chat's config schema; checked again here.
  const brand = /^#[0-9a-fA-F]{6}$/.test(brandColor) ? brandColor : '#0063b1';
  return `:root{--brand:${brand};color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1b1b1b;background:#f6f7f9}
header{background:var(--brand);color:#fff;padding:16px 20px;display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between}
header a.home{color:#fff;text-decoration:none;font-weight:600;font-size:1.1rem}
header form{display:flex;gap:6px;flex:1 1 260px;max-width:480px}
header input{flex:1;padding:8px 10px;border:0;border-radius:6px;font:inherit}
header button{padding:8px 14px;border:0;border-radius:6px;background:#fff;color:var(--brand);font:inherit;font-weight:600;cursor:pointer}
main{max-width:760px;margin:24px auto;padding:0 20px}
h1{font-size:1.5rem;line-height:1.3}
ul.articles{list-style:none;padding:0;margin:0;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
ul.articles li{border-bottom:1px solid #eceef1}
ul.articles li:last-child{border-bottom:0}
ul.articles a{display:block;padding:12px 16px;color:#1b1b1b;text-decoration:none}
ul.articles a:hover,ul.articles a:focus{background:#f0f4fa;color:var(--brand)}
article{background:#fff;border-radius:8px;padding:4px 22px 18px;box-shadow:0 1px 3px rgba(0,0,0,.08);overflow-wrap:anywhere}
article a,nav a,p a,aside a{color:var(--brand)}
nav{margin-bottom:8px}
.empty{color:#555}
.languages{color:#555;font-size:.9rem}
aside.more{max-width:760px;margin:0 auto 32px;padding:0 20px;color:#555}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}
`;
}
