import { useRoute } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import './custom.css';
import { nextTick, onMounted, watch } from 'vue';

/** Draws every `pre.mermaid` on the page not drawn yet; mermaid is loaded on first need. */
async function drawDiagrams() {
  await nextTick();
  const pending = document.querySelectorAll<HTMLElement>('pre.mermaid:not([data-processed])');
  if (pending.length === 0) return;
  const { default: mermaid } = await import('mermaid');
  mermaid.initialize({ startOnLoad: false, theme: 'neutral', securityLevel: 'strict' });
  await mermaid.run({ nodes: [...pending] });
}

export default {
  extends: DefaultTheme,
  setup() {
    const route = useRoute();
    onMounted(() => {
      void drawDiagrams();
    });
    watch(
      () => route.path,
      () => {
        void drawDiagrams();
      },
    );
  },
};
