window.onerror = function (message) {
  document.documentElement.setAttribute('data-erreur', String(message));
  console.error('rapport : ' + message);
  return false;
};
(function () {
  var charts = document.querySelectorAll('svg.chart');
  for (var i = 0; i < charts.length; i++) {
    var marks = charts[i].querySelectorAll('.mark');
    var drawn = 0;
    for (var j = 0; j < marks.length; j++) {
      var box = marks[j].getBBox();
      if (box.width > 0 || box.height > 0) { drawn++; }
    }
    charts[i].setAttribute('data-rendered', String(drawn));
    var size = charts[i].getBoundingClientRect();
    charts[i].setAttribute('data-size', Math.round(size.width) + 'x' + Math.round(size.height));
  }
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
