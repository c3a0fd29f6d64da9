// The server may render a JSON bootstrap into chat.html:
//   <script type="application/json" id="bootstrap">{"user":…,"rooms":[…],"server":{…}}</script>
// It is data, not code (the CSP is untouched), and saves the first
// /api/v1/me, /api/v1/rooms and /api/v1/server round trips. Absent or
// unreadable, the page fetches them instead.

export function readBootstrap() {
  const el = document.getElementById('bootstrap');
  if (!el) return null;
  try {
    const data = JSON.parse(el.textContent);
    return data && data.user && Array.isArray(data.rooms) ? data : null;
  } catch {
    return null;
  }
}
