/* The static site's additions to report.js (site.js = report.js + this file): the index's
   search box over territoires.js (window.TERRITOIRES) and the choice of the maps' indicator. */
(function () {
  var data = window.TERRITOIRES;
  var input = document.getElementById('recherche');
  var list = document.getElementById('resultats');
  if (!data || !input || !list) { return; }
  function plain(text) {
    return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
  }
  var levels = {};
  data.niveaux.forEach(function (n) { levels[n.niveau] = n.libelle; });
  var rows = data.territoires.map(function (t) {
    return { niveau: t[0], code: t[1], nom: t[2], href: t[3], cle: plain(t[2]), code_cle: plain(t[1]) };
  });
  function search(query) {
    var q = plain(query);
    if (!q) { return []; }
    var scored = [];
    rows.forEach(function (r) {
      var score = -1;
      if (r.code_cle === q) { score = 0; }
      else if (r.cle === q) { score = 1; }
      else if (r.code_cle.indexOf(q) === 0) { score = 2; }
      else if (r.cle.indexOf(q) === 0) { score = 3; }
      else if (r.cle.indexOf(q) > 0) { score = 4; }
      if (score >= 0) { scored.push([score, r]); }
    });
    scored.sort(function (a, b) {
      return a[0] - b[0] || a[1].cle.localeCompare(b[1].cle) || a[1].code.localeCompare(b[1].code);
    });
    return scored.slice(0, 20).map(function (s) { return s[1]; });
  }
  function show() {
    var found = search(input.value);
    list.textContent = '';
    found.forEach(function (r, i) {
      var item = document.createElement('li');
      if (i === 0) { item.className = 'premier'; }
      var link = document.createElement('a');
      link.href = r.href;
      link.textContent = r.nom + ' (' + (levels[r.niveau] || r.niveau) + ' ' + r.code + ')';
      item.appendChild(link);
      list.appendChild(item);
    });
    var status = document.getElementById('resultats-nombre');
    if (status) {
      status.textContent = input.value.trim() ? (found.length ? found.length + ' résultat(s)' +
        (found.length ? ' ; Entrée ouvre le premier' : '') : 'Aucun territoire trouvé') : '';
    }
  }
  input.addEventListener('input', show);
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      var first = list.querySelector('a');
      if (first) { event.preventDefault(); window.location.href = first.href; }
    }
  });
  show();
})();
(function () {
  var data = window.TERRITOIRES;
  var select = document.getElementById('indicateur');
  if (!data || !select) { return; }
  var colours = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
  var byPage = {};
  data.territoires.forEach(function (t) { byPage[t[0] + '|' + t[1]] = t[4]; });
  function paint() {
    var k = select.selectedIndex;
    var shapes = document.querySelectorAll('[data-territoire]');
    var values = [];
    shapes.forEach(function (s) {
      var v = (byPage[s.getAttribute('data-territoire')] || [])[k];
      if (v !== null && v !== undefined) { values.push(v); }
    });
    values.sort(function (a, b) { return a - b; });
    shapes.forEach(function (s) {
      var v = (byPage[s.getAttribute('data-territoire')] || [])[k];
      var colour = '#dddddd';
      if (v !== null && v !== undefined && values.length) {
        var rank = 0;
        while (rank < values.length && values[rank] < v) { rank++; }
        colour = colours[Math.min(colours.length - 1, Math.floor(5 * rank / values.length))];
      }
      s.setAttribute('fill', colour);
    });
  }
  select.addEventListener('change', paint);
  paint();
})();
