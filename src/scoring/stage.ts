export type Stage = "cold" | "warm" | "hot" | "qualified";
export type Grade = "A+" | "A" | "B+" | "B" | "C+" | "C" | "D" | "F";

export function stageFor(score: number): Stage {
  if (score >= 100) return "qualified";
  if (score >= 60) return "hot";
  if (score >= 30) return "warm";
  return "cold";
}

const GRADE_FLOORS: ReadonlyArray<readonly [number, Grade]> = [
  [90, "A+"],
  [80, "A"],
  [70, "B+"],
  [60, "B"],
  [50, "C+"],
  [40, "C"],
  [20, "D"],
];

export function gradeFor(totalScore: number): Grade {
  for (const [floor, grade] of GRADE_FLOORS) if (totalScore >= floor) return grade;
  return "F";
}
