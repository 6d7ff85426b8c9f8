/** Whether an `Accept` header admits a media type (`*\/*` and `type/*` count). */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return false;
  const [type] = mediaType.split('/');
  return accept.split(',').some((part) => {
    const range = part.split(';')[0]!.trim().toLowerCase();
    return range === mediaType || range === '*/*' || range === `${type}/*`;
  });
}
