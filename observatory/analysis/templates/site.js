/* The static site's additions to report.js (site.js = report.js + this file): the index's
   search box over territoires.js (window.TERRITOIRES) and the choice of the maps' indicator. */
(function () {
  var data = window.TERRITOIRES;
  var input = document.getElementById('recherche');
  var list = document.getElementById('resultats');
  if (!data || !input || !list) { return; }
  // `autofocus` lands at the browser's next rendering opportunity, sometimes after the load
  // event; focusing here, when the script runs, puts the cursor in the box at once.
  if (document.activeElement !== input) { input.focus(); }
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
  /* the national maps (cartes.js, window.CARTES): recoloured by the indicator chosen, with
     the classes computed at build time (the same classes as the drawn map's) */
  var maps = window.CARTES;
  var select = document.getElementById('indicateur');
  if (!maps || !select) { return; }
  function paint() {
    Object.keys(maps).forEach(function (level) {
      var box = document.querySelector('.carte-nationale[data-niveau="' + level + '"]');
      var found = maps[level].indicateurs[select.value];
      if (!box || !found) { return; }
      var pattern = box.querySelector('pattern');
      var missing = pattern ? 'url(#' + pattern.id + ')' : '#d9d9d9';
      var position = {};
      maps[level].codes.forEach(function (code, i) { position[code] = i; });
      box.querySelectorAll('path.zone').forEach(function (shape) {
        var i = position[shape.getAttribute('data-code')];
        if (i === undefined) { return; }
        var k = found.classes[i];
        shape.setAttribute('fill', k < 0 ? missing : found.couleurs[k]);
        var title = shape.querySelector('title');
        if (title) {
          var name = title.textContent.split(' : ')[0];
          title.textContent = name + ' : ' + found.valeurs[i];
        }
      });
      var legend = box.querySelector('ul.legende-carte');
      if (legend) { legend.outerHTML = found.legende; }
      box.setAttribute('data-indicateur', select.value);
    });
  }
  select.addEventListener('change', paint);
  paint();
})();
