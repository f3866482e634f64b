// "用我的位置": fills a form's latitude and longitude from the phone's position (navigator.geolocation).
// Progressive enhancement: without script (or without a position) the fields are typed as before; the
// button stays hidden. Served from the app itself, since the CSP allows scripts from 'self' only.
(function () {
  "use strict";
  var box = document.querySelector("[data-locate]");
  if (!box || !("geolocation" in navigator)) { return; }
  var button = box.querySelector("button");
  var status = box.querySelector("[data-locate-status]");
  var lat = document.getElementById(box.getAttribute("data-lat"));
  var lon = document.getElementById(box.getAttribute("data-lon"));
  if (!button || !lat || !lon) { return; }
  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "正在获取位置…";
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      var accuracy = Math.round(position.coords.accuracy);
      status.textContent = "已填入当前位置（精度约 " + accuracy + " 米），请核对后提交。";
      button.disabled = false;
    }, function (error) {
      status.textContent = error.code === 1
        ? "未获得定位权限，请在浏览器设置中允许定位，或手工填写经纬度。"
        : "暂时无法获取位置，请到开阔处重试，或手工填写经纬度。";
      button.disabled = false;
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  });
}());
