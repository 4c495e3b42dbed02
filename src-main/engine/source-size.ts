/** How big a picture must be for its shot: pure arithmetic, shared by the project loader and the shot form. */

/**
 * A warning when the picture is much smaller than the shot (under half its width or height): it
 * will be blown up and look soft. Undefined when it is big enough.
 */
export function smallSourceWarning(image: { width: number; height: number }, shot: { width: number; height: number }): string | undefined {
  if (image.width * 2 >= shot.width && image.height * 2 >= shot.height) return undefined;
  return `the picture is ${image.width}×${image.height}, much smaller than the shot's ${shot.width}×${shot.height}: it will be enlarged and look soft — use a picture at least ${Math.ceil(shot.width / 2)}×${Math.ceil(shot.height / 2)}, ideally ${shot.width}×${shot.height}`;
}
