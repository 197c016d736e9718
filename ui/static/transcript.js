const chat = () => element.querySelector('.rq-chat');
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-ask]');
  if (button && element.contains(button)) {
    event.preventDefault();
    trigger('click', {ask: button.getAttribute('data-ask') || ''});
  }
});
element.addEventListener('keydown', (event) => {
  const button = event.target.closest('.rq-examples button');
  if (!button) return;
  const all = [...button.parentElement.querySelectorAll('button')];
  const moves = {ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1};
  let i = all.indexOf(button);
  if (event.key in moves) i = (i + moves[event.key] + all.length) % all.length;
  else if (event.key === 'Home') i = 0;
  else if (event.key === 'End') i = all.length - 1;
  else return;
  event.preventDefault();
  all.forEach((b, j) => { b.tabIndex = j === i ? 0 : -1; });
  all[i].focus();
});
let seen = element.querySelectorAll('.rq-q').length;
let target = null;  // the new question, kept at the top while its answer grows
const release = () => { target = null; };
['wheel', 'touchstart', 'keydown'].forEach((name) => {
  element.addEventListener(name, release, {passive: true});
});
const settle = () => {
  const log = chat();
  if (!log) return;
  const questions = log.querySelectorAll('.rq-q');
  if (questions.length !== seen) {
    seen = questions.length;
    target = questions[questions.length - 1] || null;
  }
  if (target && log.contains(target)) {
    log.scrollTop = Math.max(0, target.offsetTop - 8);
    const answer = target.nextElementSibling;
    if (answer && answer.classList.contains('rq-done')) target = null;
  }
  const box = document.querySelector('#rq-question textarea');
  if (box) {
    const r = box.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) box.scrollIntoView({block: 'nearest'});
  }
};
watch('value', settle);
// Gradio's dropdowns open on focus, and a Tab pressed in one reached its key handler as
// typing, which opened the list again after focus had left: Tab never reaches it (focus still
// moves, and the dropdown's blur handling closes the list).
document.addEventListener('keydown', (event) => {
  const box = event.target;
  if (event.key === 'Tab' && box instanceof HTMLInputElement
      && box.getAttribute('role') === 'combobox') {
    event.stopPropagation();
  }
}, true);
